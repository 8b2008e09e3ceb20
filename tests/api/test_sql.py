"""The SQL half (db/README.md): every function and trigger in the database
has exactly one current definition in db/sql, and the stored page documents
follow what they are rendered with: a changed public_domain (or a changed
definition) renders them again at the next migrate, which statusd runs at
start."""

import glob
import os
import re
import subprocess

from client import _read_conf

DEFINITION = re.compile(
    r"^\s*CREATE\s+OR\s+REPLACE\s+(FUNCTION|TRIGGER)\s+(\w+)", re.I | re.M)


def sql_definitions(ctx):
    """{(kind, name): [files]} of db/sql."""
    out = {}
    for path in sorted(glob.glob(os.path.join(ctx.repo, "db", "sql", "*.sql"))):
        with open(path) as f:
            for kind, name in DEFINITION.findall(f.read()):
                out.setdefault((kind.upper(), name), []).append(os.path.basename(path))
    return out


def test_every_function_and_trigger_defined_once_in_db_sql(ctx):
    defined = sql_definitions(ctx)
    twice = {k: v for k, v in defined.items() if len(v) > 1}
    assert not twice, twice
    functions = set(ctx.psql(
        "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_depend d"
        " WHERE d.objid = p.oid AND d.deptype = 'e')").split())
    triggers = set(ctx.psql(
        "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND NOT t.tgisinternal").split())
    assert functions == {n for k, n in defined if k == "FUNCTION"}
    assert triggers == {n for k, n in defined if k == "TRIGGER"}


def migrate_with_domain(ctx, domain):
    """statusctl migrate with the stack's configuration but public_domain."""
    path = os.path.join(ctx.state_dir, "statusd-domain.conf")
    with open(ctx.conf) as src, open(path, "w") as dst:
        for line in src:
            if not line.strip().startswith("public_domain"):
                dst.write(line)
        dst.write("public_domain = %s\n" % domain)
    p = subprocess.run([os.path.join(ctx.build, "statusctl"), "-c", path, "migrate"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def page_url(ctx, page_id):
    r = ctx.request("GET", "/pages/" + page_id)
    assert r.status == 200, r
    return r.json["page"]["url"]


def test_changed_public_domain_renders_documents_again(ctx):
    domain = _read_conf(ctx.conf).get("public_domain") or "status.localhost"
    page = ctx.create_page()
    assert page_url(ctx, page["id"]) == "https://%s.%s" % (page["subdomain"], domain)
    try:
        out = migrate_with_domain(ctx, "moved.example")
        assert "rendered" in out, out
        assert page_url(ctx, page["id"]) == "https://%s.moved.example" % page["subdomain"]
    finally:
        out = migrate_with_domain(ctx, domain)
    assert "rendered" in out, out
    assert page_url(ctx, page["id"]) == "https://%s.%s" % (page["subdomain"], domain)
    # Nothing changed since: nothing is rendered again.
    out = migrate_with_domain(ctx, domain)
    assert "rendered" not in out, out
    rows = ctx.psql("SELECT value FROM schema_state WHERE key = 'pages_rendered_with'")
    assert rows.endswith("public_domain=" + domain), rows


def test_page_defaults_merge_equals_the_deep_merge(ctx):
    """page_attrs_with_defaults (the cheap merge page writes render with)
    gives what the recursive jsonb_merge_deep gives, for every stored page
    and draft, one with every field set among them."""
    from client import full_page_body
    r = ctx.request("POST", "/pages", full_page_body(ctx))
    assert r.status == 201, r
    differ = ctx.psql(
        "SELECT count(*) FROM (SELECT attrs FROM pages UNION ALL"
        " SELECT attrs FROM page_drafts) a WHERE page_attrs_with_defaults(attrs)"
        " IS DISTINCT FROM jsonb_merge_deep(page_attr_defaults(), attrs)")
    assert differ == "0", differ
