//! The OpenAPI document of the admin API, served at `/api/v1/openapi.json`
//! so that clients and the console can be generated from it.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "mailflow admin API", description = "The queue, its diagnoses and the node's health."),
    paths(crate::messages::list, crate::messages::show, crate::health::health,
        crate::alerts::list, crate::alerts::acknowledge,
        crate::fixes::list, crate::fixes::apply, crate::fixes::undo, crate::fixes::audit,
        crate::fixes::connector_action,
        crate::insights::list, crate::insights::show, crate::trace::trace,
        crate::validate::validate,
        crate::index::root, crate::index::index),
    components(schemas(
        crate::views::MessageView,
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
