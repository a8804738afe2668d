-- The jobs this service started and how far it has followed each; portable SQL that H2 and PostgreSQL both run.
CREATE TABLE IF NOT EXISTS fine_tune_job (
    id               VARCHAR(64)   PRIMARY KEY,
    model            VARCHAR(128)  NOT NULL,
    file_name        VARCHAR(255)  NOT NULL,
    status           VARCHAR(32)   NOT NULL,
    fine_tuned_model VARCHAR(255),
    error            VARCHAR(2000),
    last_event_id    VARCHAR(64),
    followed         BOOLEAN       NOT NULL,
    repeated_events  INTEGER       NOT NULL,
    last_webhook_id  VARCHAR(64),
    created_at       BIGINT        NOT NULL,
    updated_at       BIGINT        NOT NULL
);

-- Each event once, in the order the follower delivered it (seq), so a stream can be replayed after any of them.
CREATE TABLE IF NOT EXISTS fine_tune_event (
    job_id     VARCHAR(64)   NOT NULL,
    seq        INTEGER       NOT NULL,
    event_id   VARCHAR(64)   NOT NULL,
    created_at BIGINT        NOT NULL,
    level      VARCHAR(16)   NOT NULL,
    type       VARCHAR(32),
    message    VARCHAR(4000) NOT NULL,
    metrics    VARCHAR(2000),
    PRIMARY KEY (job_id, seq),
    CONSTRAINT fine_tune_event_once UNIQUE (job_id, event_id)
);
