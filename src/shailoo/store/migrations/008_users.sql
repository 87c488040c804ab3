-- 008: the web app's accounts and the audit log (docs/server.md). Sessions are not stored here: they
-- live in the server process's memory (a restart logs everyone out), so serving pages never writes.

-- One row per person who may log in. role: admin | coordinator | coder | viewer;
-- password: an argon2id hash (argon2-cffi's PHC string), never the password itself.
CREATE TABLE IF NOT EXISTS users (
    username    VARCHAR PRIMARY KEY,
    role        VARCHAR NOT NULL,
    password    VARCHAR NOT NULL,
    language    VARCHAR NOT NULL DEFAULT 'en',   -- interface language: en | ru | ky
    created_at  TIMESTAMPTZ NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL
);

-- Who changed what, when: users and roles now; codes, adjudications and imports as their pages land.
-- actor: the user of the web app, or "cli:<login name>" for a command run on the machine.
CREATE SEQUENCE IF NOT EXISTS audit_log_seq;
CREATE TABLE IF NOT EXISTS audit_log (
    entry_id  BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'),
    at_time   TIMESTAMPTZ NOT NULL,
    actor     VARCHAR NOT NULL,
    action    VARCHAR NOT NULL,   -- e.g. user.add, user.role, user.remove, user.password, user.language
    target    VARCHAR,            -- what it was done to (a user name, a unit, a file)
    detail    VARCHAR             -- JSON: the values before and after, never a password
);
