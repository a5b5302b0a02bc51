//! The OpenAPI document of the admin API, served at `/api/v1/openapi.json`
//! so that clients and the console can be generated from it.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "mailflow admin API", description = "The queue, its diagnoses, the organisations and their settings, the node's health and the nodes sharing its store."),
    paths(crate::messages::list, crate::messages::show, crate::health::health,
        crate::alerts::list, crate::alerts::acknowledge,
        crate::fixes::list, crate::fixes::apply, crate::fixes::undo, crate::fixes::audit,
        crate::fixes::connector_action,
        crate::insights::list, crate::insights::show, crate::trace::trace,
        crate::validate::validate,
        crate::alert_settings::show, crate::alert_settings::edit,
        crate::alert_settings::set_connector, crate::alert_settings::clear_connector,
        crate::users::list, crate::users::save, crate::users::remove,
        crate::tokens::list, crate::tokens::create, crate::tokens::revoke,
        crate::queue_ops::message_action, crate::queue_ops::delete_message,
        crate::queue_ops::queue_action,
        crate::connectors::list, crate::connectors::show, crate::connectors::add,
        crate::connectors::replace, crate::connectors::patch, crate::connectors::remove,
        crate::connectors::enable, crate::connectors::disable,
        crate::domains::list, crate::domains::show, crate::domains::add,
        crate::domains::replace, crate::domains::remove,
        crate::directory::list, crate::directory::add, crate::directory::remove,
        crate::directory::import,
        crate::org::show, crate::org::replace,
        crate::nodes::list, crate::nodes::drain, crate::nodes::resume,
        crate::orgs::list, crate::orgs::show, crate::orgs::create, crate::orgs::rename,
        crate::orgs::remove,
        crate::index::root, crate::index::index, crate::scrape::scrape),
    components(schemas(
        crate::views::MessageView,
        crate::messages::MessageListView,
        crate::queue_ops::QueueOperationView,
        crate::queue_ops::MessageOperationBody,
        crate::queue_filter::QueueOperationBody,
        crate::alerts::AlertView,
        crate::views::RecipientView,
        crate::views::LastErrorView,
        crate::error::ErrorBody,
        crate::error::ErrorDetail,
        crate::health::Health,
        crate::index::RootView,
        crate::validate_views::ValidationView,
        crate::validate_views::ValidatedAddressView,
        crate::validate_views::DiagnosisView,
        crate::index::IndexView,
        crate::index::ResourceView,
        crate::fix_views::FixView,
        crate::fix_views::FixPreviewView,
        crate::fix_views::DomainChangeView,
        crate::fix_views::TlsChangeView,
        crate::fix_views::AuditEntryView,
        mailflow_insight::ConnectorInsight,
        mailflow_insight::InsightKind,
        mailflow_insight::Status,
        mailflow_insight::CodeCount,
        mailflow_insight::LastErrorInsight,
        mailflow_insight::Explanation,
        mailflow_insight::HistoryPoint,
        crate::trace_views::TraceView,
        crate::trace_views::EventView,
        crate::trace_views::AddressView,
        crate::alert_settings::AlertSettingsView,
        crate::alert_settings::ConnectorAlertRules,
        crate::alert_settings::AlertSettingsPatch,
        crate::users::UserList,
        crate::users::UserView,
        crate::users::SetPassword,
        crate::users::UserSaved,
        crate::tokens::NewToken,
        crate::tokens::CreatedToken,
        crate::tokens::TokenView,
        crate::tokens::TokenList,
        crate::org_views::ConnectorView,
        crate::org_views::DomainView,
        crate::org_views::DirectoryView,
        crate::org_views::OrgView,
        crate::directory::DirectoryAdded,
        crate::directory::DirectoryRemoved,
        crate::directory::DirectoryImport,
        crate::directory::RefusedLine,
        crate::nodes::NodeView,
        crate::orgs::OrganisationView,
        crate::orgs::OrganisationName,
    )),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub(crate) async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
