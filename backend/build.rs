// Files the server embeds, through generated lists: the migrations of each backend
// (`migrations/{sqlite,postgres}/*.sql`, read by `store/migrations.rs`) and the translated
// e-mail templates (`templates/email/locale/<locale>/<kind>.{txt,html}`).
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=templates/email/locale");
    let out_dir = std::env::var("OUT_DIR").unwrap();
    write_migration_lists(Path::new(&out_dir));
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
    std::fs::write(Path::new(&out_dir).join("email_locales.rs"), code).unwrap();
}

/// `SQLITE` and `POSTGRES`: each folder's `.sql` files in order of name, as
/// `(file name, include_str!(path))`.
fn write_migration_lists(out_dir: &Path) {
    let mut code = String::new();
    for (name, folder) in [("SQLITE", "sqlite"), ("POSTGRES", "postgres")] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(folder);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "sql"))
            .collect();
        files.sort();
        writeln!(code, "const {name}: Steps = &[").unwrap();
        for path in files {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            writeln!(code, "    ({file:?}, include_str!({:?})),", path.display().to_string()).unwrap();
        }
        code.push_str("];\n");
    }
    std::fs::write(out_dir.join("migrations.rs"), code).unwrap();
}
