//! Every migration applies and reverts on both backends, and the two folders stay twins.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use podium_storage::schema::{
    api_tokens, benchmarks, comparisons, jobs, measurement_blocks, measurements, metrics, models,
    podium_state, sample_embeddings, samples, submissions,
};
use podium_storage::testing::{Backend, TestDb};
use podium_storage::{DatabaseUrl, DbConnection, with_backend};

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn user_tables(conn: &mut DbConnection) -> Vec<String> {
    let sql = match conn {
        DbConnection::Pg(_) => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name NOT LIKE '__diesel%' ORDER BY 1"
        }
        DbConnection::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE '__diesel%' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        }
    };
    let rows: Vec<Name> = with_backend!(conn, c => diesel::sql_query(sql).load(c).unwrap());
    rows.into_iter().map(|r| r.name).collect()
}

/// Every table is readable through the shared schema.rs, i.e. the columns agree with it.
fn schema_matches(conn: &mut DbConnection) {
    podium_state::table
        .select(podium_state::all_columns)
        .load::<(i32, i64)>(conn)
        .unwrap();
    api_tokens::table
        .select(api_tokens::id)
        .load::<i64>(conn)
        .unwrap();
    macro_rules! all {
        ($($t:ident),*) => {$(
            let n: i64 = $t::table.count().get_result(conn).unwrap();
            assert_eq!(n, 0, "{} is not empty", stringify!($t));
            let _ = $t::table.select($t::all_columns).limit(1).execute(conn).unwrap();
        )*};
    }
    all!(
        benchmarks,
        metrics,
        samples,
        models,
        submissions,
        measurements,
        comparisons,
        jobs,
        sample_embeddings,
        measurement_blocks
    );
}

fn apply_and_revert(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = DatabaseUrl::parse(&db.url).unwrap().connect().unwrap();
    conn.run_migrations().unwrap();
    let tables = user_tables(&mut conn);
    assert_eq!(
        tables,
        [
            "api_tokens",
            "benchmarks",
            "comparisons",
            "jobs",
            "measurement_blocks",
            "measurements",
            "metrics",
            "models",
            "podium_state",
            "sample_embeddings",
            "samples",
            "submissions"
        ]
    );
    schema_matches(&mut conn);
    let version: Vec<Count> = with_backend!(&mut conn, c => diesel::sql_query(
        "SELECT data_version AS n FROM podium_state"
    )
    .load(c)
    .unwrap());
    assert_eq!(version.len(), 1);
    assert_eq!(version[0].n, 0);

    conn.revert_all_migrations().unwrap();
    assert!(
        user_tables(&mut conn).is_empty(),
        "down.sql left tables behind"
    );
    // And up again: the down migration really undid everything the up migration did.
    conn.run_migrations().unwrap();
    schema_matches(&mut conn);
}

#[test]
fn migrations_apply_and_revert_on_postgres() {
    apply_and_revert(Backend::Postgres);
}

#[test]
fn migrations_apply_and_revert_on_sqlite() {
    apply_and_revert(Backend::Sqlite);
}

#[test]
fn migration_folders_are_twins() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let names = |backend: &str| {
        let mut names: Vec<String> = std::fs::read_dir(root.join(backend))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let postgres = names("postgres");
    assert!(!postgres.is_empty());
    assert_eq!(
        postgres,
        names("sqlite"),
        "a migration is missing on one backend"
    );
    for name in &postgres {
        for backend in ["postgres", "sqlite"] {
            for file in ["up.sql", "down.sql"] {
                assert!(
                    root.join(backend).join(name).join(file).exists(),
                    "{backend}/{name}/{file}"
                );
            }
        }
    }
}

#[test]
fn database_urls() {
    assert_eq!(
        DatabaseUrl::parse("postgres://u@h/db").unwrap(),
        DatabaseUrl::Postgres("postgres://u@h/db".into())
    );
    assert_eq!(
        DatabaseUrl::parse("sqlite://x.db").unwrap(),
        DatabaseUrl::Sqlite("x.db".into())
    );
    assert_eq!(
        DatabaseUrl::parse("podium.db").unwrap(),
        DatabaseUrl::Sqlite("podium.db".into())
    );
    assert!(DatabaseUrl::parse("").is_err());
}
