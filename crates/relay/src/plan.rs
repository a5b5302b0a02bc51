//! From a recipient's route and the organisation's connectors to the plan
//! delivery follows for that next hop.

use mailflow_core::{Diagnosis, EnhancedCode, OrgSettings, Route};
use mailflow_deliver::{NextHopPlan, Target};

/// The plan for a route, or why mail for it must wait (its connector was
/// removed or disabled: queued mail stays until expiry or an operator acts).
/// The diagnosis is boxed: it is the rare answer, and large.
pub fn plan_for(org: &OrgSettings, route: &Route) -> Result<NextHopPlan, Box<Diagnosis>> {
    let Some(name) = &route.connector else {
        return Ok(NextHopPlan {
            target: Target::Mx {
                domain: route.domain.clone(),
            },
            tls: Default::default(),
            tls_name: None,
            connect_timeout: None,
            command_timeout: None,
            through_connector: false,
        });
    };
    let connector = org
        .connector(name)
        .ok_or_else(|| unavailable(format!("the connector {name} no longer exists")))?;
    if !connector.enabled {
        return Err(unavailable(format!("the connector {name} is disabled")));
    }
    let target = if connector.smart_hosts.is_empty() {
        Target::Mx {
            domain: route.domain.clone(),
        }
    } else {
        Target::SmartHosts(connector.smart_hosts.clone())
    };
    Ok(NextHopPlan {
        target,
        tls: connector.tls,
        tls_name: connector.tls_name.clone(),
        connect_timeout: connector.connect_timeout,
        command_timeout: connector.command_timeout,
        through_connector: true,
    })
}

fn unavailable(detail: String) -> Box<Diagnosis> {
    Box::new(Diagnosis::Local {
        reply_code: 450,
        code: EnhancedCode(4, 4, 0),
        detail,
    })
}
