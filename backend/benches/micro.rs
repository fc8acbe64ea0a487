//! Micro-benchmarks of the per-request work: JWTs, reset tokens, the password validators and
//! one Argon2id hash. Run with `cargo bench -p gatehouse --bench micro`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use gatehouse::auth::jwt::JwtCodec;
use gatehouse::auth::password::Passwords;
use gatehouse::auth::reset_tokens::{TokenGenerator, TokenSubject};
use gatehouse::domain::password_policy::{PasswordPolicy, UserAttributes};

const KEY: &str = "benchmark-secret-key-that-is-long-enough-0123456789";
const NOW: i64 = 1_900_000_000;
const SID: &str = "0123456789abcdef0123456789abcdef";

fn jwt(c: &mut Criterion) {
    let codec = JwtCodec::new(KEY, 300, 86_400);
    let pair = codec.issue_pair(42, NOW, SID);
    c.bench_function("jwt: issue a refresh + access pair", |b| b.iter(|| codec.issue_pair(black_box(42), NOW, SID)));
    c.bench_function("jwt: decode and verify an access token", |b| {
        b.iter(|| codec.decode(black_box(pair.access.as_bytes()), NOW as f64 + 1.0).unwrap())
    });
}

fn reset_tokens(c: &mut Criterion) {
    let generator = TokenGenerator::new(KEY, 259_200);
    let subject = TokenSubject {
        id: 42,
        password: "argon2$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        last_login: Some(NOW - 100),
        email: "alice@example.com",
    };
    let token = generator.make_token(&subject, NOW);
    c.bench_function("reset token: make", |b| b.iter(|| generator.make_token(black_box(&subject), NOW)));
    c.bench_function("reset token: check", |b| b.iter(|| generator.check_token(&subject, black_box(&token), NOW)));
}

fn validators(c: &mut Criterion) {
    let policy = PasswordPolicy::load();
    let user = UserAttributes {
        username: "alice.liddell",
        first_name: "Alice",
        last_name: "Liddell",
        email: "alice.liddell@example.com",
    };
    c.bench_function("validators: a good password, all four", |b| {
        b.iter(|| policy.errors(black_box("vK7#mQ2!xLp9"), Some(&user)))
    });
    c.bench_function("validators: a common password", |b| b.iter(|| policy.errors(black_box("iloveyou"), Some(&user))));
    c.bench_function("validators: load the common-password list", |b| b.iter(PasswordPolicy::load));
}

fn argon2(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let passwords = Passwords::new(1);
    let mut group = c.benchmark_group("argon2id m=19456 t=2 p=1");
    group.sample_size(20);
    group.bench_function("hash one password", |b| {
        b.iter(|| runtime.block_on(passwords.hash("correct horse battery".to_owned().into())).unwrap())
    });
    group.finish();
}

criterion_group!(benches, jwt, reset_tokens, validators, argon2);
criterion_main!(benches);
