// Rebuild when a migration changes: `sqlx::migrate!` embeds them at compile time. The
// translated e-mail templates (`templates/email/locale/<locale>/<kind>.{txt,html}`) are
// embedded through a generated list.
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=templates/email/locale");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/email/locale");
    let mut entries = Vec::new();
    if let Ok(locales) = std::fs::read_dir(&root) {
        for locale in locales.flatten() {
            let Ok(files) = std::fs::read_dir(locale.path()) else { continue };
            for file in files.flatten() {
                let path = file.path();
                if path.extension().is_some_and(|ext| ext == "txt") {
                    let kind = path.file_stem().unwrap().to_string_lossy().into_owned();
                    let html = path.with_extension("html");
                    if html.exists() {
                        entries.push((locale.file_name().to_string_lossy().into_owned(), kind, path, html));
                    }
                }
            }
        }
    }
    entries.sort();
    let mut code = String::from("/// (locale, kind, text template, HTML template)\npub static LOCALE_TEMPLATES: &[(&str, &str, &str, &str)] = &[\n");
    for (locale, kind, text, html) in entries {
        writeln!(
            code,
            "    ({locale:?}, {kind:?}, include_str!({:?}), include_str!({:?})),",
            text.display().to_string(),
            html.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("email_locales.rs");
    std::fs::write(out, code).unwrap();
}
