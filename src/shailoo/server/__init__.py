"""The team web app (issue #12): `shailoo serve`. Routes are thin (server/routes/); accounts in
server/users.py, sessions in server/sessions.py, who may call what in server/auth.py, the workspace
per request in server/db.py. See docs/server.md."""
