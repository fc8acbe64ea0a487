//! Every message string the API sends, in one place. They are part of the contract: clients
//! written against Djoser match on them, so they are copied letter for letter.

// Generic field messages (DRF).
pub const REQUIRED: &str = "This field is required.";
pub const NULL: &str = "This field may not be null.";
pub const BLANK: &str = "This field may not be blank.";
pub const NOT_A_STRING: &str = "Not a valid string.";
pub const NULL_CHARACTERS: &str = "Null characters are not allowed.";
pub const INVALID_EMAIL: &str = "Enter a valid email address.";
pub fn max_length(max: usize) -> String {
    format!("Ensure this field has no more than {max} characters.")
}
pub fn invalid_choice(input: &str) -> String {
    format!("\"{input}\" is not a valid choice.")
}

// Request bodies.
pub const NO_DATA: &str = "No data provided";
pub fn not_a_dictionary(kind: &str) -> String {
    format!("Invalid data. Expected a dictionary, but got {kind}.")
}
/// DRF's `DictField` refusing another value.
pub fn not_a_dict_field(kind: &str) -> String {
    format!("Expected a dictionary of items but got type \"{kind}\".")
}
pub fn json_parse_error(reason: &str) -> String {
    format!("JSON parse error - {reason}")
}
pub fn multipart_parse_error(reason: &str) -> String {
    format!("Multipart form parse error - {reason}")
}
pub const PAYLOAD_TOO_LARGE: &str = "Request body too large.";
pub const BODY_TIMEOUT: &str = "The request body did not arrive in time.";
pub fn unsupported_media_type(content_type: &str) -> String {
    format!("Unsupported media type \"{content_type}\" in request.")
}
pub fn method_not_allowed(method: &str) -> String {
    format!("Method \"{method}\" not allowed.")
}

// Authentication and permissions.
pub const NOT_AUTHENTICATED: &str = "Authentication credentials were not provided.";
pub const PERMISSION_DENIED: &str = "You do not have permission to perform this action.";
pub const NOT_FOUND: &str = "Not found.";
pub const SERVER_ERROR: &str = "A server error occurred.";
pub const BAD_AUTHORIZATION_HEADER: &str = "Authorization header must contain two space-delimited values";
pub const TOKEN_NOT_VALID_FOR_ANY_TYPE: &str = "Given token not valid for any token type";
pub const NO_USER_IDENTIFICATION: &str = "Token contained no recognizable user identification";
pub const USER_NOT_FOUND: &str = "User not found";
pub const USER_INACTIVE: &str = "User is inactive";
// DRF's `TokenAuthentication` and Djoser's token login.
pub const TOKEN_HEADER_NO_CREDENTIALS: &str = "Invalid token header. No credentials provided.";
pub const TOKEN_HEADER_SPACES: &str = "Invalid token header. Token string should not contain spaces.";
pub const TOKEN_HEADER_INVALID_CHARACTERS: &str =
    "Invalid token header. Token string should not contain invalid characters.";
pub const INVALID_API_TOKEN: &str = "Invalid token.";
pub const API_TOKEN_USER_INACTIVE: &str = "User inactive or deleted.";
pub const UNABLE_TO_LOG_IN: &str = "Unable to log in with provided credentials.";
pub const NO_ACTIVE_ACCOUNT: &str = "No active account found with the given credentials";
pub const NO_ACTIVE_ACCOUNT_FOR_TOKEN: &str = "No active account found for the given token.";

// Second factors (Gatehouse's own).
pub const MFA_NOT_ENROLLING: &str = "No authenticator app is being added with this id.";
pub const MFA_CODE_INVALID: &str = "The code is not valid.";
pub const MFA_RECOVERY_CODE_INVALID: &str = "The recovery code is not valid or was already used.";
pub const MFA_LOCKED: &str =
    "Too many wrong codes were entered for this account. Reset your password to sign in with a code again.";
pub const MFA_TOKEN_INVALID: &str = "This sign-in has expired or was already completed. Sign in again.";
pub const MFA_ONE_PROOF: &str = "Send one of a code, a recovery code or a passkey.";
pub const MFA_NO_FACTOR: &str = "Recovery codes come with a second factor: add one first.";
pub const MFA_CONFIRM_ONE: &str =
    "Confirm with your current password, a code from your authenticator app or a passkey.";
pub const PASSKEYS_UNAVAILABLE: &str =
    "Passkeys need Gatehouse to be reached at a host name (GATEHOUSE_FRONTEND_URL), not an IP address.";
pub const PASSKEY_CEREMONY_INVALID: &str = "This passkey request has expired or was already used. Try again.";
pub const PASSKEY_NOT_VERIFIED: &str = "This passkey could not be verified.";
pub const PASSKEY_ALREADY_REGISTERED: &str = "This passkey is already registered.";
pub const PASSKEY_ANSWER_SHAPE: &str = "Send the passkey's answer as {\"id\": …, \"credential\": {…}}.";
pub const PASSKEY_NONE: &str = "This account has no passkey.";
pub const PASSKEY_UNKNOWN: &str = "This passkey is not registered with any account here.";
pub const FACTOR_NAME_MAX: usize = 64;
pub const SIGN_IN_AGAIN: &str =
    "To add a way to sign in, sign in again: this sign-in is too old to change how the account is protected.";

// Identity providers: Djoser's social view (and python-social-auth's), then Gatehouse's own.
pub const REDIRECT_URI_NOT_ALLOWED: &str = "redirect_uri must be in SOCIAL_AUTH_ALLOWED_REDIRECT_URIS";
pub fn provider_not_supported(name: &str) -> String {
    format!("Provider '{name}' not supported")
}
pub const STATE_MISSING: &str = "State could not be found in request data.";
pub const STATE_NOT_FOUND: &str = "State could not be found in server-side session data.";
pub const STATE_INVALID: &str = "Invalid state has been provided.";
pub const CODE_MISSING: &str = "Missing needed parameter code";
pub fn provider_email_taken(title: &str) -> String {
    format!(
        "An account with this e-mail address already exists. Sign in with its password, then connect {title} \
         from your profile."
    )
}
pub fn provider_linked_elsewhere(title: &str) -> String {
    format!("This {title} account is connected to another account.")
}
pub fn provider_already_linked(title: &str) -> String {
    format!("Your account is already connected to {title}.")
}
pub const LAST_WAY_TO_SIGN_IN: &str =
    "This is your only way to sign in: set a password, add a passkey or connect another provider first.";

// The staff console (Gatehouse's own).
pub const NOT_ON_OWN_ACCOUNT: &str = "You cannot do this to your own account.";
pub const ALREADY_ACTIVE: &str = "This account is already active.";
pub const INVALID_PAGE: &str = "Invalid page.";
pub const INVALID_DATETIME: &str =
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";
pub const INVALID_INTEGER: &str = "A valid integer is required.";

// Running beside Django (Gatehouse's own).
pub const ACCOUNT_STILL_REFERRED_TO: &str =
    "This account cannot be deleted here: other records of the site still refer to it. Ask the site's staff to delete it.";

// JWT validation (SimpleJWT).
pub const TOKEN_INVALID: &str = "Token is invalid";
pub const TOKEN_EXPIRED: &str = "Token is expired";
pub const TOKEN_BLACKLISTED: &str = "Token is blacklisted";
pub const TOKEN_NO_EXP: &str = "Token has no 'exp' claim";
pub const TOKEN_NO_ID: &str = "Token has no id";
pub const TOKEN_NO_TYPE: &str = "Token has no type";
pub const TOKEN_WRONG_TYPE: &str = "Token has wrong type";

// Djoser.
pub const INVALID_TOKEN: &str = "Invalid token for given user.";
pub const INVALID_UID: &str = "Invalid user id or user doesn't exist.";
pub const STALE_TOKEN: &str = "Stale token for given user.";
pub const PASSWORD_MISMATCH: &str = "The two password fields didn't match.";
pub const USERNAME_MISMATCH: &str = "The two username fields didn't match.";
pub const INVALID_PASSWORD: &str = "Invalid password.";
pub const EMAIL_NOT_FOUND: &str = "User with given email does not exist.";
pub const CANNOT_CREATE_USER: &str = "Unable to create account.";

// The user model (Django).
pub const INVALID_USERNAME: &str =
    "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";
pub const USERNAME_TAKEN: &str = "A user with that username already exists.";

// Password validators (Django).
pub fn password_too_similar(verbose_name: &str) -> String {
    format!("The password is too similar to the {verbose_name}.")
}
pub fn password_too_short(min: usize) -> String {
    let unit = if min == 1 { "character" } else { "characters" };
    format!("This password is too short. It must contain at least {min} {unit}.")
}
pub const PASSWORD_TOO_COMMON: &str = "This password is too common.";
pub const PASSWORD_ENTIRELY_NUMERIC: &str = "This password is entirely numeric.";

/// DRF's answer to a throttled request, available again in `wait` seconds.
pub fn throttled(wait: i64) -> String {
    let unit = if wait == 1 { "second" } else { "seconds" };
    format!("Request was throttled. Expected available in {wait} {unit}.")
}
