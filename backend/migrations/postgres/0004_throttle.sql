-- Throttling counters shared by every instance: one fixed window per key (a scope and the
-- username, e-mail address or client address it counts).
CREATE TABLE throttle (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL
);
CREATE INDEX throttle_window_start ON throttle (window_start);
