//! Diesel table definitions, shared by both backends.
//!
//! One definition serves PostgreSQL and SQLite, so column types are the common subset: JSON
//! metadata is TEXT holding a JSON object, timestamps are naive UTC. The twin migrations under
//! `migrations/` must agree with this file; the migration tests load every table through it on
//! both backends.

#![allow(missing_docs)]

diesel::table! {
    podium_state (id) {
        id -> Integer,
        data_version -> BigInt,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        scope -> Text,
        label -> Nullable<Text>,
        created_at -> Timestamp,
        revoked -> Bool,
    }
}

diesel::table! {
    benchmarks (id) {
        id -> BigInt,
        name -> Text,
        description -> Nullable<Text>,
        metadata -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    metrics (id) {
        id -> BigInt,
        benchmark_id -> BigInt,
        name -> Text,
        kind -> Text,
        higher_is_better -> Bool,
        range_min -> Nullable<Double>,
        range_max -> Nullable<Double>,
        is_default -> Bool,
    }
}

diesel::table! {
    samples (id) {
        id -> BigInt,
        benchmark_id -> BigInt,
        external_id -> Text,
        metadata -> Text,
    }
}

diesel::table! {
    models (id) {
        id -> BigInt,
        name -> Text,
        metadata -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    submissions (id) {
        id -> BigInt,
        token_id -> BigInt,
        created_at -> Timestamp,
        source_format -> Text,
        content_hash -> Text,
        idempotency_key -> Nullable<Text>,
        n_measurements -> BigInt,
        n_comparisons -> BigInt,
        visibility -> Text,
        retracted -> Bool,
        retracted_at -> Nullable<Timestamp>,
        retracted_by -> Nullable<BigInt>,
        response_status -> Integer,
        response_body -> Text,
        has_blocks -> Bool,
    }
}

diesel::table! {
    measurements (id) {
        id -> BigInt,
        submission_id -> BigInt,
        model_id -> BigInt,
        sample_id -> BigInt,
        metric_id -> BigInt,
        epoch -> Integer,
        value -> Double,
    }
}

diesel::table! {
    comparisons (id) {
        id -> BigInt,
        submission_id -> BigInt,
        sample_id -> BigInt,
        model_a_id -> BigInt,
        model_b_id -> BigInt,
        winner -> Text,
        judge -> Nullable<Text>,
        weight -> Double,
        strength -> Nullable<Double>,
        occurred_at -> Nullable<Timestamp>,
        metadata -> Nullable<Text>,
    }
}

diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        request -> Text,
        status -> Text,
        progress -> Double,
        cancel_requested -> Bool,
        result -> Nullable<Text>,
        etag -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        heartbeat_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sample_embeddings (sample_id, space) {
        sample_id -> BigInt,
        space -> Text,
        dim -> Integer,
        vector -> Binary,
    }
}

diesel::table! {
    measurement_blocks (submission_id, metric_id, part) {
        submission_id -> BigInt,
        metric_id -> BigInt,
        part -> Integer,
        row_count -> Integer,
        models -> Binary,
        samples -> Binary,
        epochs -> Binary,
        vals -> Binary,
    }
}

diesel::joinable!(metrics -> benchmarks (benchmark_id));
diesel::joinable!(samples -> benchmarks (benchmark_id));
diesel::joinable!(measurements -> submissions (submission_id));
diesel::joinable!(measurements -> samples (sample_id));
diesel::joinable!(measurements -> models (model_id));
diesel::joinable!(measurements -> metrics (metric_id));
diesel::joinable!(comparisons -> submissions (submission_id));
diesel::joinable!(comparisons -> samples (sample_id));
diesel::joinable!(sample_embeddings -> samples (sample_id));

diesel::allow_tables_to_appear_in_same_query!(
    podium_state,
    api_tokens,
    benchmarks,
    metrics,
    samples,
    models,
    submissions,
    measurements,
    comparisons,
    jobs,
    sample_embeddings,
    measurement_blocks,
);
