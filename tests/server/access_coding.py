"""Who may call the coding pages (routes/coding.py, review.py, admin_coding.py), merged into the route
walker of test_routes.py. The walker's calls go to a sample named "walk" that the admin's walk draws
(POST /admin/samples) and assigns to the coder; each allowed call answers 200 or 303 (a refusal comes
back to its page as a one-time message)."""

CODERS = ("admin", "coordinator", "coder")
STAFF = ("admin", "coordinator")

ACCESS = {
    ("GET", "/coding"): CODERS,
    ("GET", "/coding/{sample}"): CODERS,
    ("GET", "/coding/{sample}/{post_id}"): CODERS,
    ("POST", "/coding/{sample}/{post_id}/save"): CODERS,
    ("POST", "/coding/{sample}/{post_id}/mention"): CODERS,
    ("GET", "/reliability"): STAFF,
    ("GET", "/reliability/unit/{post_id}"): STAFF,
    ("POST", "/reliability/unit/{post_id}/adjudicate"): STAFF,
    ("GET", "/admin/samples"): STAFF,
    ("POST", "/admin/samples"): STAFF,
    ("GET", "/admin/samples/{sample}"): STAFF,
    ("POST", "/admin/samples/{sample}/assign"): STAFF,
    ("POST", "/admin/samples/{sample}/release"): STAFF,
    ("GET", "/admin/codebook"): STAFF,
    ("POST", "/admin/codebook"): STAFF,
}
SAFE_FORM = {
    "/coding/{sample}": ("/coding/walk", {}),
    "/coding/{sample}/{post_id}": ("/coding/walk/1", {}),
    "/coding/{sample}/{post_id}/save": ("/coding/walk/1/save", {"v:disinformation": "no"}),
    "/coding/{sample}/{post_id}/mention": ("/coding/walk/1/mention", {"actor_id": "1"}),
    "/reliability/unit/{post_id}": ("/reliability/unit/1?variable=disinformation", {}),
    "/reliability/unit/{post_id}/adjudicate": ("/reliability/unit/1/adjudicate",
                                               {"variable": "disinformation", "value": "no"}),
    "/admin/samples": ("/admin/samples", {"name": "walk", "kind": "random", "count": "3", "seed": "1",
                                          "all_posts": "true", "replace": "true"}),
    "/admin/samples/{sample}": ("/admin/samples/walk", {}),
    "/admin/samples/{sample}/assign": ("/admin/samples/walk/assign", {"coders": "coder", "overlap": "0"}),
    "/admin/samples/{sample}/release": ("/admin/samples/walk/release", {"idle_hours": "10000"}),
    "/admin/codebook": ("/admin/codebook", {"builtin": "election"}),
}
