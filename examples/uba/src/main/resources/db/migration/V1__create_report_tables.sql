-- Rows are keyed by the broker's message id: a redelivered message never becomes a second row.
CREATE TABLE realtime_warehousing (
    message_id   VARCHAR(128) PRIMARY KEY,
    event_name   VARCHAR(128) NOT NULL,
    report_data  TEXT         NOT NULL,
    create_time  BIGINT       NOT NULL,
    received_us  BIGINT       NOT NULL,
    stored_us    BIGINT       NOT NULL
);

CREATE TABLE acceptance_status (
    message_id     VARCHAR(128) PRIMARY KEY,
    data_name      VARCHAR(128) NOT NULL,
    report_type    VARCHAR(32)  NOT NULL,
    report_data    TEXT         NOT NULL,
    error_reason   TEXT         NOT NULL,
    error_handling TEXT         NOT NULL,
    status         VARCHAR(32)  NOT NULL,
    part_event     VARCHAR(128) NOT NULL,
    part_date      VARCHAR(10)  NOT NULL,
    received_us    BIGINT       NOT NULL,
    stored_us      BIGINT       NOT NULL
);
