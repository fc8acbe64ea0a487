//! `GET /auth/schema/`: the OpenAPI 3.1 document of the API, built from the table of operations
//! below: each operation's request fields and success answer, with the error answers every
//! operation of its kind can give (DRF's shapes: field errors, a bare list, `{"detail": …}`).

use std::sync::LazyLock;

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

use crate::flows::{
    api_tokens, audit, console, links, mfa, passkeys, password, profile, providers, registration, sessions, sign_in,
    staff, username,
};
use crate::http::route::{self, not_allowed, Route};

const SCHEMA: Route = Route { name: "Schema", allow: "GET, HEAD" };

/// What an operation answers when it succeeds.
#[derive(Clone, Copy)]
enum Success {
    /// 200 with a schema from `components.schemas`.
    Ok(&'static str),
    /// 201 with a schema.
    Created(&'static str),
    /// 204, no body.
    NoContent,
}

/// One operation of the API.
struct Operation {
    path: &'static str,
    method: &'static str,
    summary: &'static str,
    /// Whether it needs a bearer token.
    authenticated: bool,
    /// Request body fields (strings, but for `objects`), in the serializer's order: the flows'
    /// own lists.
    fields: &'static [&'static str],
    /// Those of the fields that are JSON objects (a passkey's credential).
    objects: &'static [&'static str],
    /// Those a request must carry.
    required: &'static [&'static str],
    /// Whether a request carries one of the fields (a confirmation by password, code or
    /// passkey; the server refuses two): without any, the first is missing. Written `anyOf`,
    /// from which schema-driven generators can make bodies (they fail on such a `oneOf`).
    one_of: bool,
    success: Success,
    /// Whether the path has an `{id}` parameter.
    by_id: bool,
    /// Whether the path has a `{sid}` parameter (a session id).
    by_sid: bool,
    /// Whether the path has a `{factor}` parameter (a second factor's id).
    by_factor: bool,
    /// The values the body's fields may take, when they are choices.
    choices: &'static [&'static str],
    /// Whether it sends e-mail, signs in or refreshes, and so can be throttled.
    throttled: bool,
    /// Whether a 400 may have an empty body (resend_activation with activation e-mails off).
    empty_refusal: bool,
    /// Whether the path has a `{provider}` parameter (an identity provider's name).
    by_provider: bool,
    /// Query parameters (strings, optional).
    query: &'static [&'static str],
    /// Whether a 400 may be a bare JSON string (Djoser's social view).
    text_refusal: bool,
    /// A second success: 200 with this schema.
    also_ok: Option<&'static str>,
    /// The names a `{action}` path parameter takes, when the path has one.
    actions: &'static [&'static str],
    /// Whether it deletes an account, which rows of other tables may still refer to (409).
    deletes_account: bool,
}

const fn op(path: &'static str, method: &'static str, summary: &'static str, success: Success) -> Operation {
    Operation {
        path,
        method,
        summary,
        authenticated: false,
        fields: &[],
        objects: &[],
        required: &[],
        one_of: false,
        success,
        by_id: false,
        by_sid: false,
        by_factor: false,
        choices: &[],
        throttled: false,
        empty_refusal: false,
        by_provider: false,
        query: &[],
        text_refusal: false,
        also_ok: None,
        actions: &[],
        deletes_account: false,
    }
}

const OPERATIONS: &[Operation] = &[
    Operation { ..op("/auth/", "get", "The API root: a link to the users collection", Success::Ok("Root")) },
    Operation {
        fields: sign_in::CREDENTIALS,
        required: sign_in::CREDENTIALS,
        throttled: true,
        ..op("/auth/jwt/create/", "post", "Sign in: a token pair and the user", Success::Ok("Login"))
    },
    Operation {
        fields: sign_in::REFRESH,
        required: sign_in::REFRESH,
        throttled: true,
        ..op("/auth/jwt/refresh/", "post", "A new access token (and a rotated refresh token)", Success::Ok("Refreshed"))
    },
    Operation {
        fields: sign_in::VERIFY,
        required: sign_in::VERIFY,
        ..op("/auth/jwt/verify/", "post", "Whether a token is valid", Success::Ok("Empty"))
    },
    Operation {
        fields: sign_in::REFRESH,
        required: sign_in::REFRESH,
        ..op("/auth/jwt/blacklist/", "post", "Revoke a refresh token (sign out)", Success::Ok("Empty"))
    },
    Operation {
        fields: mfa::FINISH,
        objects: &["passkey"],
        required: &["mfa_token"],
        throttled: true,
        ..op(
            "/auth/jwt/mfa/",
            "post",
            "Finish a sign-in with a second factor: a code, a recovery code or a passkey ({id, credential})",
            Success::Ok("Tokens"),
        )
    },
    Operation {
        fields: &["mfa_token"],
        throttled: true,
        ..op(
            "/auth/jwt/passkey/options/",
            "post",
            "The options of a sign-in by passkey (with mfa_token: of a sign-in's second step)",
            Success::Ok("PasskeyOptions"),
        )
    },
    Operation {
        fields: passkeys::ASSERTION,
        objects: &["credential"],
        required: passkeys::ASSERTION,
        throttled: true,
        ..op("/auth/jwt/passkey/", "post", "Sign in with a passkey alone", Success::Ok("Tokens"))
    },
    Operation {
        ..op("/auth/o/", "get", "The identity providers people may sign in with", Success::Ok("ProviderList"))
    },
    Operation {
        by_provider: true,
        query: &["redirect_uri"],
        text_refusal: true,
        throttled: true,
        ..op(
            "/auth/o/{provider}/",
            "get",
            "Start a sign-in with an identity provider: where to send the person (redirect_uri must be allowed)",
            Success::Ok("AuthorizationUrl"),
        )
    },
    Operation {
        by_provider: true,
        fields: providers::FINISH,
        query: providers::FINISH,
        throttled: true,
        also_ok: Some("ProviderPending"),
        ..op(
            "/auth/o/{provider}/",
            "post",
            "Finish a sign-in with an identity provider with its code and state (query string or body); 200 when \
             a second factor is needed or a signed-in person connected the provider",
            Success::Created("ProviderLogin"),
        )
    },
    Operation {
        fields: api_tokens::CREDENTIALS,
        required: api_tokens::CREDENTIALS,
        throttled: true,
        ..op(
            "/auth/token/login/",
            "post",
            "Sign in for a DRF token (Authorization: Token <key>)",
            Success::Ok("AuthToken"),
        )
    },
    Operation {
        authenticated: true,
        ..op("/auth/token/logout/", "post", "Delete the signed-in user's DRF token", Success::NoContent)
    },
    Operation {
        authenticated: true,
        ..op("/auth/users/", "get", "Users: staff see everyone, others themselves", Success::Ok("UserList"))
    },
    Operation {
        fields: registration::REGISTRATION,
        required: &["username", "password"],
        throttled: true,
        ..op("/auth/users/", "post", "Register (an activation e-mail follows)", Success::Created("User"))
    },
    Operation { authenticated: true, ..op("/auth/users/me/", "get", "The signed-in user", Success::Ok("User")) },
    Operation {
        authenticated: true,
        fields: profile::CHANGES,
        ..op("/auth/users/me/", "put", "Replace the signed-in user's names and e-mail", Success::Ok("User"))
    },
    Operation {
        authenticated: true,
        fields: profile::CHANGES,
        ..op("/auth/users/me/", "patch", "Change the signed-in user's names or e-mail", Success::Ok("User"))
    },
    Operation {
        authenticated: true,
        fields: profile::DELETION,
        required: profile::DELETION,
        deletes_account: true,
        ..op("/auth/users/me/", "delete", "Delete the signed-in user's account", Success::NoContent)
    },
    Operation {
        authenticated: true,
        ..op(
            "/auth/users/me/sessions/",
            "get",
            "The signed-in user's sessions, newest first",
            Success::Ok("SessionList"),
        )
    },
    Operation {
        authenticated: true,
        fields: sessions::REVOKE,
        required: sessions::REVOKE,
        choices: sessions::SCOPES,
        ..op("/auth/users/me/sessions/revoke/", "post", "End every other session, or all", Success::NoContent)
    },
    Operation {
        authenticated: true,
        by_sid: true,
        ..op("/auth/users/me/sessions/{sid}/", "delete", "End one of the signed-in user's sessions", Success::NoContent)
    },
    Operation {
        authenticated: true,
        ..op("/auth/users/me/mfa/", "get", "The signed-in user's second factors", Success::Ok("Factors"))
    },
    Operation {
        authenticated: true,
        ..op(
            "/auth/users/me/mfa/totp/",
            "post",
            "Start adding an authenticator app: its key, shown once (403 sign_in_again after PRIVILEGED_SESSION_MAX_AGE)",
            Success::Created("Enrolment"),
        )
    },
    Operation {
        authenticated: true,
        fields: mfa::CONFIRM,
        required: mfa::CONFIRM,
        ..op(
            "/auth/users/me/mfa/totp/confirm/",
            "post",
            "Activate an authenticator app with its first code (recovery codes come with the first factor)",
            Success::Ok("Confirmed"),
        )
    },
    Operation {
        authenticated: true,
        fields: mfa::REAUTHENTICATE,
        objects: &["passkey"],
        one_of: true,
        ..op(
            "/auth/users/me/mfa/recovery_codes/",
            "post",
            "Ten new recovery codes in place of the old ones, shown once (confirmed by one of the fields)",
            Success::Ok("RecoveryCodes"),
        )
    },
    Operation {
        authenticated: true,
        ..op(
            "/auth/users/me/mfa/passkeys/",
            "post",
            "Start adding a passkey: the options for navigator.credentials.create() (403 sign_in_again after PRIVILEGED_SESSION_MAX_AGE)",
            Success::Created("PasskeyOptions"),
        )
    },
    Operation {
        authenticated: true,
        fields: passkeys::CONFIRM,
        objects: &["credential"],
        required: passkeys::ASSERTION,
        ..op(
            "/auth/users/me/mfa/passkeys/confirm/",
            "post",
            "Add the passkey the authenticator made (recovery codes come with the first factor)",
            Success::Created("Confirmed"),
        )
    },
    Operation {
        authenticated: true,
        ..op(
            "/auth/users/me/mfa/passkeys/assertion/",
            "post",
            "The options of confirming a change with one of the user's passkeys",
            Success::Ok("PasskeyOptions"),
        )
    },
    Operation {
        authenticated: true,
        by_factor: true,
        fields: mfa::RENAME,
        required: mfa::RENAME,
        ..op("/auth/users/me/mfa/{factor}/", "patch", "Rename a second factor", Success::Ok("Factor"))
    },
    Operation {
        authenticated: true,
        by_factor: true,
        fields: mfa::REAUTHENTICATE,
        objects: &["passkey"],
        one_of: true,
        ..op(
            "/auth/users/me/mfa/{factor}/",
            "delete",
            "Remove a second factor (confirmed by one of the fields)",
            Success::NoContent,
        )
    },
    Operation {
        authenticated: true,
        ..op(
            "/auth/users/me/providers/",
            "get",
            "The identity providers connected to the signed-in user's account",
            Success::Ok("ConnectedAccountList"),
        )
    },
    Operation {
        authenticated: true,
        by_provider: true,
        fields: providers::LINK,
        required: providers::LINK,
        ..op(
            "/auth/users/me/providers/{provider}/",
            "post",
            "Start connecting an identity provider to the signed-in user's account (403 sign_in_again after PRIVILEGED_SESSION_MAX_AGE)",
            Success::Ok("AuthorizationUrl"),
        )
    },
    Operation {
        authenticated: true,
        by_provider: true,
        ..op(
            "/auth/users/me/providers/{provider}/",
            "delete",
            "Disconnect an identity provider (not the account's last way to sign in)",
            Success::NoContent,
        )
    },
    Operation {
        authenticated: true,
        ..op(
            "/auth/users/me/activity/",
            "get",
            "The signed-in user's last 30 audit events, newest first",
            Success::Ok("AuditEventList"),
        )
    },
    Operation {
        authenticated: true,
        query: console::ACCOUNTS_QUERY,
        ..op(
            "/auth/admin/users/",
            "get",
            "Staff: accounts whose username, e-mail address or names start with `search`, 25 a page",
            Success::Ok("AccountPage"),
        )
    },
    Operation {
        authenticated: true,
        by_id: true,
        ..op("/auth/admin/users/{id}/", "get", "Staff: an account", Success::Ok("Account"))
    },
    Operation {
        authenticated: true,
        by_id: true,
        deletes_account: true,
        ..op("/auth/admin/users/{id}/", "delete", "Staff: delete an account", Success::NoContent)
    },
    Operation {
        authenticated: true,
        by_id: true,
        actions: staff::ACTIONS,
        ..op(
            "/auth/admin/users/{id}/{action}/",
            "post",
            "Staff: activate, deactivate, grant or remove staff, resend the activation e-mail, send a \
             password reset, end all sessions or clear second factors",
            Success::Ok("Account"),
        )
    },
    Operation {
        authenticated: true,
        query: console::TRAIL_QUERY,
        ..op(
            "/auth/admin/audit/",
            "get",
            "Staff: the audit trail, newest first, filtered by account, event and time, 25 a page",
            Success::Ok("AuditEventPage"),
        )
    },
    Operation { authenticated: true, by_id: true, ..op("/auth/users/{id}/", "get", "A user", Success::Ok("User")) },
    Operation {
        authenticated: true,
        by_id: true,
        fields: profile::CHANGES,
        ..op("/auth/users/{id}/", "put", "Replace a user's names and e-mail", Success::Ok("User"))
    },
    Operation {
        authenticated: true,
        by_id: true,
        fields: profile::CHANGES,
        ..op("/auth/users/{id}/", "patch", "Change a user's names or e-mail", Success::Ok("User"))
    },
    Operation {
        authenticated: true,
        by_id: true,
        fields: profile::DELETION,
        required: profile::DELETION,
        deletes_account: true,
        ..op("/auth/users/{id}/", "delete", "Delete a user", Success::NoContent)
    },
    Operation {
        authenticated: true,
        by_id: true,
        ..op("/auth/users/{id}/sessions/", "get", "A user's sessions (staff, or the user)", Success::Ok("SessionList"))
    },
    Operation {
        authenticated: true,
        by_id: true,
        ..op(
            "/auth/users/{id}/mfa/",
            "delete",
            "Staff: clear a user's second factors and recovery codes",
            Success::NoContent,
        )
    },
    Operation {
        authenticated: true,
        by_id: true,
        fields: sessions::REVOKE,
        required: sessions::REVOKE,
        choices: sessions::SCOPES,
        ..op("/auth/users/{id}/sessions/revoke/", "post", "End a user's sessions", Success::NoContent)
    },
    Operation {
        authenticated: true,
        by_id: true,
        by_sid: true,
        ..op("/auth/users/{id}/sessions/{sid}/", "delete", "End one of a user's sessions", Success::NoContent)
    },
    Operation {
        fields: registration::ACTIVATION,
        required: registration::ACTIVATION,
        ..op("/auth/users/activation/", "post", "Activate an account from its e-mailed link", Success::NoContent)
    },
    Operation {
        fields: links::EMAIL_REQUEST,
        required: links::EMAIL_REQUEST,
        throttled: true,
        empty_refusal: true,
        ..op("/auth/users/resend_activation/", "post", "E-mail a new activation link", Success::NoContent)
    },
    Operation {
        authenticated: true,
        fields: password::CHANGE,
        required: &["new_password", "current_password"],
        ..op("/auth/users/set_password/", "post", "Change the password", Success::NoContent)
    },
    Operation {
        fields: links::EMAIL_REQUEST,
        required: links::EMAIL_REQUEST,
        throttled: true,
        ..op("/auth/users/reset_password/", "post", "E-mail a password reset link", Success::NoContent)
    },
    Operation {
        fields: password::RESET,
        required: &["uid", "token", "new_password"],
        ..op("/auth/users/reset_password_confirm/", "post", "Set a new password from a reset link", Success::NoContent)
    },
    Operation {
        authenticated: true,
        fields: username::CHANGE,
        required: &["current_password", "new_username"],
        ..op("/auth/users/set_username/", "post", "Change the username", Success::NoContent)
    },
    Operation {
        fields: links::EMAIL_REQUEST,
        required: links::EMAIL_REQUEST,
        throttled: true,
        ..op("/auth/users/reset_username/", "post", "E-mail a username reset link", Success::NoContent)
    },
    Operation {
        fields: username::RESET,
        required: &["uid", "token", "new_username"],
        ..op("/auth/users/reset_username_confirm/", "post", "Set a new username from a reset link", Success::NoContent)
    },
    Operation {
        fields: profile::REVERT,
        required: profile::REVERT,
        ..op(
            "/auth/users/revert_email/",
            "post",
            "Take back an e-mail change from the link sent to the old address",
            Success::NoContent,
        )
    },
    Operation { ..op("/auth/schema/", "get", "This document", Success::Ok("Document")) },
];

/// Every path the document describes, in the route table's order.
pub fn paths() -> Vec<&'static str> {
    let mut paths: Vec<&'static str> = Vec::new();
    for operation in OPERATIONS {
        if !paths.contains(&operation.path) {
            paths.push(operation.path);
        }
    }
    paths
}

static DOCUMENT: LazyLock<String> = LazyLock::new(|| document().to_string());

pub async fn serve(request: HttpRequest) -> HttpResponse {
    route::serve(&SCHEMA, &request, async {
        match *request.method() {
            Method::GET | Method::HEAD => {
                Ok(HttpResponse::Ok().content_type("application/json").body(DOCUMENT.as_str()))
            }
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn answer(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn operation(operation: &Operation) -> Value {
    let mut responses = Map::new();
    match operation.success {
        Success::Ok(schema) => responses.insert("200".into(), answer("Done", reference(schema))),
        Success::Created(schema) => responses.insert("201".into(), answer("Created", reference(schema))),
        Success::NoContent => responses.insert("204".into(), json!({ "description": "Done, no body" })),
    };
    if let Some(schema) = operation.also_ok {
        responses.insert("200".into(), answer("Done, without tokens yet", reference(schema)));
    }
    let detail = || reference("Detail");
    let has_body = !operation.fields.is_empty() || operation.method != "get";
    if operation.empty_refusal {
        // One status, two shapes: OpenAPI cannot say "JSON or nothing", so no schema is given.
        responses.insert(
            "400".into(),
            json!({ "description": "Refused input (errors per field, as JSON), or an empty body when activation e-mails are off" }),
        );
    } else if operation.text_refusal {
        responses.insert(
            "400".into(),
            answer(
                "Refused: a redirect_uri off the list (a bare string), or the provider's answer in words",
                json!({ "anyOf": [{ "type": "string" }, reference("FieldErrors")] }),
            ),
        );
    } else if has_body || operation.by_id || !operation.query.is_empty() {
        responses.insert(
            "400".into(),
            answer(
                "Refused input: errors per field, a bare list of messages, or a detail (a malformed body)",
                json!({ "anyOf": [reference("FieldErrors"), reference("Messages"), reference("Detail")] }),
            ),
        );
    }
    // Any request may carry a bad Authorization header; protected ones also need one.
    responses.insert("401".into(), answer("Not authenticated, or the credentials or token were refused", detail()));
    if operation.authenticated {
        responses.insert("403".into(), answer("Not allowed for this user", detail()));
    }
    if operation.by_id || operation.authenticated || operation.by_provider {
        let what = match (operation.by_sid, operation.by_factor, operation.by_provider) {
            (true, _, _) => "No such user or session",
            (_, true, _) => "No such second factor",
            (_, _, true) => "No such identity provider, or none connected",
            _ => "No such user",
        };
        responses.insert("404".into(), answer(what, detail()));
    }
    if has_body {
        responses.insert("408".into(), answer("The body did not arrive in time", detail()));
        responses.insert("413".into(), answer("The body is larger than 64 KiB", detail()));
        responses.insert("415".into(), answer("A body of an unsupported media type", detail()));
    }
    if operation.deletes_account {
        let why = "Not deleted: rows of another table still refer to the account (beside Django)";
        responses.insert("409".into(), answer(why, detail()));
    }
    if operation.throttled {
        responses.insert("429".into(), answer("Throttled; see the Retry-After header", detail()));
    }
    let mut value = json!({ "summary": operation.summary, "responses": responses });
    if operation.authenticated {
        value["security"] = json!([{ "bearer": [] }, { "token": [] }]);
    }
    let mut parameters = Vec::new();
    if operation.by_id {
        parameters.push(
            json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "minimum": 1 } }),
        );
    }
    if operation.by_sid {
        parameters.push(json!({ "name": "sid", "in": "path", "required": true, "schema": { "type": "string" } }));
    }
    if operation.by_factor {
        parameters.push(json!({ "name": "factor", "in": "path", "required": true, "schema": { "type": "string" } }));
    }
    if operation.by_provider {
        parameters.push(json!({ "name": "provider", "in": "path", "required": true, "schema": { "type": "string" } }));
    }
    if !operation.actions.is_empty() {
        parameters.push(json!({
            "name": "action", "in": "path", "required": true,
            "schema": { "type": "string", "enum": operation.actions },
        }));
    }
    for name in operation.query {
        parameters.push(json!({ "name": name, "in": "query", "required": false, "schema": { "type": "string" } }));
    }
    if !parameters.is_empty() {
        value["parameters"] = Value::Array(parameters);
    }
    if !operation.fields.is_empty() {
        let field = match operation.choices {
            [] => json!({ "type": "string" }),
            choices => json!({ "type": "string", "enum": choices }),
        };
        let properties: Map<String, Value> = operation
            .fields
            .iter()
            .map(|name| match operation.objects.contains(name) {
                true => ((*name).to_owned(), json!({ "type": "object" })),
                false => ((*name).to_owned(), field.clone()),
            })
            .collect();
        let required = operation.required;
        let mut schema = json!({ "type": "object", "properties": properties, "required": required });
        if operation.one_of {
            let choices: Vec<Value> = operation.fields.iter().map(|field| json!({ "required": [field] })).collect();
            schema["anyOf"] = Value::Array(choices);
        }
        value["requestBody"] = json!({
            "required": !required.is_empty() || operation.one_of,
            "content": { "application/json": { "schema": schema } }
        });
    }
    value
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for entry in OPERATIONS {
        let path = paths.entry(entry.path).or_insert_with(|| json!({}));
        path[entry.method] = operation(entry);
    }
    let user = json!({
        "type": "object",
        "properties": {
            "id": { "type": "integer" },
            "first_name": { "type": "string" },
            "last_name": { "type": "string" },
            "username": { "type": "string" },
            "email": { "type": "string" },
            "is_active": { "type": "boolean" },
        },
        "required": ["id", "first_name", "last_name", "username", "email", "is_active"],
        "additionalProperties": false,
    });
    let session_properties: Map<String, Value> = sessions::FIELDS
        .iter()
        .map(|field| {
            let kind = match *field {
                "current" => json!({ "type": "boolean" }),
                "created" | "last_used" => json!({ "type": "string", "format": "date-time" }),
                _ => json!({ "type": "string" }),
            };
            ((*field).to_owned(), kind)
        })
        .collect();
    let session = json!({
        "type": "object",
        "properties": session_properties,
        "required": sessions::FIELDS,
        "additionalProperties": false,
    });
    let mut tokens = user.clone();
    tokens["properties"]["refresh"] = json!({ "type": "string" });
    tokens["properties"]["access"] = json!({ "type": "string" });
    tokens["required"].as_array_mut().expect("a list").extend([json!("refresh"), json!("access")]);
    let mut provider_login = tokens.clone();
    provider_login["properties"]["user"] = json!({ "type": "string" });
    provider_login["required"].as_array_mut().expect("a list").push(json!("user"));
    let second_step = json!({
        "type": "object",
        "properties": {
            "mfa_required": { "const": true },
            "mfa_token": { "type": "string" },
            "methods": { "type": "array", "items": { "type": "string", "enum": mfa::METHODS } },
        },
        "required": ["mfa_required", "mfa_token", "methods"],
        "additionalProperties": false,
    });
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Gatehouse",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Accounts and JWTs, compatible with Djoser and SimpleJWT.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`Token <key>`, the key from token/login/",
                },
            },
            "schemas": {
                "User": user,
                "UserList": { "type": "array", "items": reference("User") },
                "Session": session,
                "SessionList": { "type": "array", "items": reference("Session") },
                "Login": { "anyOf": [reference("Tokens"), reference("SecondStep")] },
                "Tokens": tokens,
                "SecondStep": second_step,
                "Factor": {
                    "type": "object",
                    "properties": {
                        "id": { "type": "string" },
                        "kind": { "type": "string", "enum": [mfa::TOTP, passkeys::PASSKEY] },
                        "name": { "type": "string" },
                        "created": { "type": "string", "format": "date-time" },
                        "last_used": { "type": ["string", "null"], "format": "date-time" },
                    },
                    "required": ["id", "kind", "name", "created", "last_used"],
                    "additionalProperties": false,
                },
                "Factors": {
                    "type": "object",
                    "properties": {
                        "factors": { "type": "array", "items": reference("Factor") },
                        "recovery_codes_left": { "type": "integer" },
                    },
                    "required": ["factors", "recovery_codes_left"],
                },
                "Enrolment": {
                    "type": "object",
                    "properties": {
                        "id": { "type": "string" },
                        "uri": { "type": "string" },
                        "key": { "type": "string" },
                        "qr_code": { "type": "string", "pattern": "^data:image/svg\\+xml;base64," },
                    },
                    "required": ["id", "uri", "key", "qr_code"],
                    "additionalProperties": false,
                },
                "PasskeyOptions": {
                    "type": "object",
                    "properties": { "id": { "type": "string" }, "options": { "type": "object" } },
                    "required": ["id", "options"],
                    "additionalProperties": false,
                },
                "RecoveryCodes": {
                    "type": "object",
                    "properties": { "recovery_codes": { "type": "array", "items": { "type": "string" } } },
                    "required": ["recovery_codes"],
                    "additionalProperties": false,
                },
                "Confirmed": {
                    "type": "object",
                    "properties": { "recovery_codes": { "type": "array", "items": { "type": "string" } } },
                    "additionalProperties": false,
                },
                "Refreshed": {
                    "type": "object",
                    "properties": { "access": { "type": "string" }, "refresh": { "type": "string" } },
                    "required": ["access"],
                    "additionalProperties": false,
                },
                "AuthToken": {
                    "type": "object",
                    "properties": { "auth_token": { "type": "string", "pattern": "^[0-9a-f]{40}$" } },
                    "required": ["auth_token"],
                    "additionalProperties": false,
                },
                "Empty": { "type": "object", "additionalProperties": false },
                "Root": {
                    "type": "object",
                    "properties": { "users": { "type": "string" } },
                    "required": ["users"],
                },
                "Document": { "type": "object", "required": ["openapi", "paths"] },
                "Detail": {
                    "type": "object",
                    "properties": {
                        "detail": { "type": "string" },
                        "code": { "type": "string" },
                        "messages": { "type": "array", "items": { "type": "object" } },
                    },
                    "required": ["detail"],
                    "additionalProperties": false,
                },
                "FieldErrors": {
                    "type": "object",
                    "additionalProperties": reference("Messages"),
                    "minProperties": 1,
                },
                "Messages": { "type": "array", "items": { "type": "string" }, "minItems": 1 },
            },
        },
    });
    let schemas = document["components"]["schemas"].as_object_mut().expect("the schemas");
    schemas.extend(provider_schemas(provider_login));
    schemas.extend(console_schemas());
    document
}

/// An object of `fields`, each of the type `kind` gives it, all required.
fn object_of(fields: &[&str], kind: impl Fn(&str) -> Value) -> Value {
    let properties: Map<String, Value> = fields.iter().map(|field| ((*field).to_owned(), kind(field))).collect();
    json!({ "type": "object", "properties": properties, "required": fields, "additionalProperties": false })
}

/// A page of `item`s, as DRF's page-number pagination answers it.
fn page_of(item: &str) -> Value {
    json!({
        "type": "object",
        "properties": {
            "count": { "type": "integer" },
            "count_capped": { "type": "boolean" },
            "next": { "type": ["string", "null"], "format": "uri" },
            "previous": { "type": ["string", "null"], "format": "uri" },
            "results": { "type": "array", "items": reference(item) },
        },
        "required": ["count", "count_capped", "next", "previous", "results"],
        "additionalProperties": false,
    })
}

/// The schemas of the audit trail's and the staff console's operations.
fn console_schemas() -> Map<String, Value> {
    let named = json!({
        "type": ["object", "null"],
        "properties": { "id": { "type": ["integer", "null"] }, "username": { "type": "string" } },
        "required": ["id", "username"],
        "additionalProperties": false,
    });
    let event = object_of(audit::FIELDS, |field| match field {
        "id" => json!({ "type": "integer" }),
        "at" => json!({ "type": "string", "format": "date-time" }),
        "user" | "actor" => named.clone(),
        _ => json!({ "type": "string" }),
    });
    let account = object_of(console::ACCOUNT_FIELDS, |field| match field {
        "id" | "second_factors" => json!({ "type": "integer" }),
        "is_active" | "is_staff" | "is_superuser" => json!({ "type": "boolean" }),
        "date_joined" => json!({ "type": "string", "format": "date-time" }),
        "last_login" => json!({ "type": ["string", "null"], "format": "date-time" }),
        _ => json!({ "type": "string" }),
    });
    let mut schemas = Map::new();
    schemas.insert("AuditEvent".into(), event);
    schemas.insert("AuditEventList".into(), json!({ "type": "array", "items": reference("AuditEvent") }));
    schemas.insert("AuditEventPage".into(), page_of("AuditEvent"));
    schemas.insert("Account".into(), account);
    schemas.insert("AccountPage".into(), page_of("Account"));
    schemas
}

/// The schemas of the identity providers' operations.
fn provider_schemas(provider_login: Value) -> Map<String, Value> {
    let schemas = json!({
                "Provider": {
            "type": "object",
            "properties": { "name": { "type": "string" }, "title": { "type": "string" } },
            "required": ["name", "title"],
            "additionalProperties": false,
        },
        "ProviderList": { "type": "array", "items": reference("Provider") },
        "AuthorizationUrl": {
            "type": "object",
            "properties": { "authorization_url": { "type": "string", "format": "uri" } },
            "required": ["authorization_url"],
            "additionalProperties": false,
        },
        "ProviderLogin": provider_login,
        "ConnectedAccount": {
            "type": "object",
            "properties": {
                "provider": { "type": "string" },
                "title": { "type": "string" },
                "email": { "type": "string" },
                "created": { "type": "string", "format": "date-time" },
                "last_used": { "type": ["string", "null"], "format": "date-time" },
            },
            "required": ["provider", "title", "email", "created", "last_used"],
            "additionalProperties": false,
        },
        "ConnectedAccountList": { "type": "array", "items": reference("ConnectedAccount") },
        "ProviderPending": { "anyOf": [reference("SecondStep"), reference("ConnectedAccount")] },
    });
    match schemas {
        Value::Object(map) => map,
        _ => unreachable!("an object"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_a_success_and_an_authentication_answer() {
        let document = document();
        for entry in OPERATIONS {
            let responses = &document["paths"][entry.path][entry.method]["responses"];
            assert!(responses["401"].is_object(), "{} {}", entry.method, entry.path);
            assert!(["200", "201", "204"].iter().any(|status| responses[*status].is_object()));
        }
    }
}
