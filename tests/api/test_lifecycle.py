"""The page lifecycle of DESIGN.md section 7: drafts, publish, discard,
unpublish, soft delete and recover, permanent delete and recover_deleted."""

import uuid

from client import check_error, full_page_body, parallel
from routecases import q


def get(ctx, pid, draft=False):
    r = ctx.request("GET", ("/pages/draft/" if draft else "/pages/") + pid)
    assert r.status == 200, r
    return r.json["page"]


def post(ctx, path, body=None, status=200, **kw):
    r = ctx.request("POST", path, body, **kw)
    assert r.status == status, "POST %s: %r" % (path, r)
    return r


def create_draft(ctx, **fields):
    r = ctx.request("POST", "/pages/draft", ctx.new_page_body(**fields))
    assert r.status == 201, r
    return r.json["page"]


def mutation_ok(r):
    assert r.json.get("success") is True and isinstance(r.json.get("message"), str), r
    return r


def test_create_draft(ctx):
    body = full_page_body(ctx)
    r = ctx.request("POST", "/pages/draft", body)
    assert r.status == 201, r
    page = r.json["page"]
    assert page["pageStatus"] == "DRAFT" and page["version"] == 1, page
    for k, v in body["page"].items():
        assert page[k] == v, (k, page[k], v)
    # A never-published page shows its draft everywhere.
    assert get(ctx, page["id"]) == page
    assert get(ctx, page["id"], draft=True) == page
    r = ctx.request("GET", "/pages/draft/by_name/" + q(page["name"]))
    assert r.status == 200 and r.json["page"] == page, r
    # Its name and subdomain are taken.
    check_error(ctx.request("POST", "/pages", ctx.new_page_body(name=page["name"])), 409)
    check_error(ctx.request("POST", "/pages", ctx.new_page_body(subdomain=page["subdomain"])), 409)
    check_error(ctx.request("POST", "/pages/draft", ctx.new_page_body(name=page["name"].upper())), 409)


def test_draft_put_on_draft_page_changes_it_in_place(ctx):
    page = create_draft(ctx)
    r = ctx.request("PUT", "/pages/draft/" + page["id"], {"page": {"description": "edited"}})
    assert r.status == 200, r
    after = r.json["page"]
    assert after["pageStatus"] == "DRAFT" and after["description"] == "edited"
    assert after["version"] == 2, after["version"]
    assert get(ctx, page["id"]) == after
    # Stale version: 409, nothing changes.
    r = ctx.request("PUT", "/pages/draft/" + page["id"], {"page": {"description": "x", "version": 1}})
    check_error(r, 409)
    assert get(ctx, page["id"]) == after


def test_publish_draft_page(ctx):
    page = create_draft(ctx, description="first version")
    r = post(ctx, "/pages/draft/%s/publish" % page["id"])
    pub = r.json["page"]
    assert pub["pageStatus"] == "PUBLISHED", pub
    assert pub["version"] == page["version"] + 1, pub
    assert pub["description"] == "first version"
    assert get(ctx, page["id"]) == pub
    assert get(ctx, page["id"], draft=True) == pub
    # Nothing left to publish.
    check_error(ctx.request("POST", "/pages/draft/%s/publish" % page["id"]), 409)
    assert get(ctx, page["id"]) == pub


def test_draft_of_published_page(ctx):
    live = ctx.create_page(description="live text")
    new_name = ctx.uniq("Draft name")
    r = ctx.request("PUT", "/pages/draft/" + live["id"],
                    {"page": {"description": "draft text", "name": new_name,
                              "seoConfig": {"title": "draft title"}}})
    assert r.status == 200, r
    draft = r.json["page"]
    assert draft["pageStatus"] == "PUBLISHED_WITH_CHANGES", draft["pageStatus"]
    assert draft["description"] == "draft text" and draft["name"] == new_name
    assert draft["seoConfig"]["title"] == "draft title"
    assert draft["seoConfig"]["enabled"] == live["seoConfig"]["enabled"]
    # The live version is unchanged (but for its status and version).
    cur = get(ctx, live["id"])
    assert cur["description"] == "live text" and cur["name"] == live["name"], cur
    assert cur["pageStatus"] == "PUBLISHED_WITH_CHANGES"
    assert get(ctx, live["id"], draft=True) == draft
    # Names: the live name finds the live version, the draft name the draft.
    r = ctx.request("GET", "/pages/by_name/" + q(live["name"]))
    assert r.status == 200 and r.json["page"]["description"] == "live text", r
    r = ctx.request("GET", "/pages/draft/by_name/" + q(new_name))
    assert r.status == 200 and r.json["page"]["description"] == "draft text", r
    # A second draft edit merges into the first.
    r = ctx.request("PUT", "/pages/draft/" + live["id"], {"page": {"timezone": "Asia/Tokyo"}})
    assert r.status == 200, r
    d2 = r.json["page"]
    assert d2["description"] == "draft text" and d2["timezone"] == "Asia/Tokyo", d2
    # Publishing makes the draft live.
    r = post(ctx, "/pages/draft/%s/publish" % live["id"])
    pub = r.json["page"]
    assert pub["pageStatus"] == "PUBLISHED"
    assert (pub["name"], pub["description"], pub["timezone"]) == (new_name, "draft text", "Asia/Tokyo"), pub
    assert get(ctx, live["id"]) == pub
    check_error(ctx.request("GET", "/pages/by_name/" + q(live["name"])), 404)


def test_discard_draft(ctx):
    live = ctx.create_page(description="keep me")
    r = ctx.request("PUT", "/pages/draft/" + live["id"], {"page": {"description": "throw away"}})
    assert r.status == 200, r
    r = mutation_ok(post(ctx, "/pages/draft/%s/delete" % live["id"]))
    cur = get(ctx, live["id"])
    assert cur["pageStatus"] == "PUBLISHED" and cur["description"] == "keep me", cur
    assert get(ctx, live["id"], draft=True)["description"] == "keep me"
    # No draft any more.
    check_error(ctx.request("POST", "/pages/draft/%s/delete" % live["id"]), 409)
    check_error(ctx.request("POST", "/pages/draft/%s/publish" % live["id"]), 409)


def test_discard_never_published_page_removes_it(ctx):
    page = create_draft(ctx)
    mutation_ok(post(ctx, "/pages/draft/%s/delete" % page["id"]))
    check_error(ctx.request("GET", "/pages/" + page["id"]), 404)
    check_error(ctx.request("GET", "/pages/draft/" + page["id"]), 404)
    check_error(ctx.request("POST", "/pages/draft/%s/delete" % page["id"]), 404)
    # Name and subdomain are free again.
    again = ctx.create_page(name=page["name"], subdomain=page["subdomain"])
    assert again["id"] != page["id"]


def test_draft_name_clash_409(ctx):
    a = ctx.create_page()
    b = ctx.create_page()
    for fields in ({"name": a["name"].upper()}, {"subdomain": a["subdomain"]}):
        r = ctx.request("PUT", "/pages/draft/" + b["id"], {"page": fields})
        check_error(r, 409)
    assert get(ctx, b["id"]) == b


def test_unpublish_and_republish(ctx):
    page = ctx.create_page()
    r = post(ctx, "/pages/%s/unpublish" % page["id"])
    un = r.json["page"]
    assert un["pageStatus"] == "UNPUBLISHED" and un["unpublishedAt"], un
    assert un["version"] == page["version"] + 1
    assert get(ctx, page["id"]) == un
    # Again: no change.
    r = post(ctx, "/pages/%s/unpublish" % page["id"])
    assert r.json["page"]["pageStatus"] == "UNPUBLISHED"
    # A draft of an unpublished page.
    r = ctx.request("PUT", "/pages/draft/" + page["id"], {"page": {"description": "later"}})
    assert r.status == 200 and r.json["page"]["pageStatus"] == "UNPUBLISHED_WITH_CHANGES", r
    # Publishing puts it back, with the draft.
    r = post(ctx, "/pages/draft/%s/publish" % page["id"])
    pub = r.json["page"]
    assert pub["pageStatus"] == "PUBLISHED" and "unpublishedAt" not in pub, pub
    assert pub["description"] == "later"
    # A never-published page cannot be unpublished.
    d = create_draft(ctx)
    check_error(ctx.request("POST", "/pages/%s/unpublish" % d["id"]), 409)
    assert get(ctx, d["id"]) == d


def test_soft_delete_and_recover(ctx):
    page = ctx.create_page()
    r = mutation_ok(post(ctx, "/pages/%s/soft_delete" % page["id"], {"deletedBy": "ops@example.com"}))
    cur = get(ctx, page["id"])
    assert cur["pageStatus"] == "SOFT_DELETED" and cur["deletedAt"], cur
    assert ctx.psql("SELECT deleted_by FROM pages WHERE id = '%s'" % page["id"]) == "ops@example.com"
    # Hidden from names and lists; name and subdomain stay reserved.
    check_error(ctx.request("GET", "/pages/by_name/" + q(page["name"])), 404)
    r = ctx.request("GET", "/pages/summary")
    assert page["id"] not in [p["id"] for p in r.json["pages"]], "soft-deleted page listed"
    check_error(ctx.request("POST", "/pages", ctx.new_page_body(name=page["name"])), 409)
    check_error(ctx.request("POST", "/pages", ctx.new_page_body(subdomain=page["subdomain"])), 409)
    # No edits while deleted.
    check_error(ctx.request("PUT", "/pages/" + page["id"], {"page": {"description": "x"}}), 409)
    check_error(ctx.request("PUT", "/pages/draft/" + page["id"], {"page": {"description": "x"}}), 409)
    check_error(ctx.request("POST", "/pages/%s/unpublish" % page["id"]), 409)
    # Deleting again is harmless.
    mutation_ok(post(ctx, "/pages/%s/delete" % page["id"]))
    # Recover: the status before the delete comes back.
    r = post(ctx, "/pages/%s/recover" % page["id"])
    rec = r.json["page"]
    assert rec["pageStatus"] == "PUBLISHED" and "deletedAt" not in rec, rec
    r = ctx.request("GET", "/pages/by_name/" + q(page["name"]))
    assert r.status == 200 and r.json["page"]["id"] == page["id"], r
    check_error(ctx.request("POST", "/pages/%s/recover" % page["id"]), 409)
    # An unpublished page comes back unpublished; deletedBy defaults to the caller.
    post(ctx, "/pages/%s/unpublish" % page["id"])
    mutation_ok(post(ctx, "/pages/%s/delete" % page["id"]))
    assert ctx.psql("SELECT deleted_by FROM pages WHERE id = '%s'" % page["id"]) == ctx.email
    rec = post(ctx, "/pages/%s/recover" % page["id"]).json["page"]
    assert rec["pageStatus"] == "UNPUBLISHED", rec


def test_delete_bodies(ctx):
    page = ctx.create_page()
    for path in ("/pages/%s/soft_delete", "/pages/%s/permanent_delete", "/pages/%s/delete_permanently"):
        p = path % page["id"]
        for body in ({"deletedBy": ""}, {"deletedBy": "   "}, {"deletedBy": 5},
                     {"deletedBy": "x" * 256}, {"who": "x"}, [], {"deletedBy": None, "x": 1}):
            check_error(ctx.request("POST", p, body), 400)
        check_error(ctx.request("POST", p, raw_body=b"{", content_type="application/json"), 400)
        check_error(ctx.request("POST", p, raw_body=b"deletedBy=x",
                                content_type="application/x-www-form-urlencoded"), 415)
    assert get(ctx, page["id"]) == page


def test_permanent_delete_and_recover_deleted(ctx):
    page = ctx.create_page()
    mutation_ok(post(ctx, "/pages/%s/permanent_delete" % page["id"], {"deletedBy": "ops@example.com"}))
    # Gone from every endpoint.
    for m, p, b in (("GET", "/pages/" + page["id"], None),
                    ("GET", "/pages/draft/" + page["id"], None),
                    ("GET", "/pages/%s/summary" % page["id"], None),
                    ("PUT", "/pages/" + page["id"], {"page": {"description": "x"}}),
                    ("PUT", "/pages/draft/" + page["id"], {"page": {"description": "x"}}),
                    ("POST", "/pages/%s/soft_delete" % page["id"], None),
                    ("POST", "/pages/%s/recover" % page["id"], None),
                    ("POST", "/pages/%s/unpublish" % page["id"], None),
                    ("POST", "/pages/%s/permanent_delete" % page["id"], None),
                    ("POST", "/pages/draft/%s/publish" % page["id"], None),
                    ("GET", "/pages/by_name/" + q(page["name"]), None),
                    ("GET", "/pages/draft/by_name/" + q(page["name"]), None)):
        check_error(ctx.request(m, p, b), 404)
    r = ctx.request("GET", "/pages/summary")
    assert page["id"] not in [p["id"] for p in r.json["pages"]]
    # Name and subdomain are free.
    r = ctx.request("GET", "/pages/validate/name/" + q(page["name"]))
    assert r.status == 200 and r.json["valid"] is True, r
    r = ctx.request("GET", "/pages/subdomain/validate/" + page["subdomain"])
    assert r.status == 200 and r.json["valid"] is True, r
    # Within the retention window it comes back whole.
    mutation_ok(post(ctx, "/pages/%s/recover_deleted" % page["id"]))
    cur = get(ctx, page["id"])
    assert cur["id"] == page["id"] and cur["name"] == page["name"] and cur["pageStatus"] == "PUBLISHED", cur
    # Recovering a page that is not deleted: 409; an unknown one: 404.
    check_error(ctx.request("POST", "/pages/%s/recover_deleted" % page["id"]), 409)
    check_error(ctx.request("POST", "/pages/%s/recover_deleted" % uuid.uuid4()), 404)


def test_recover_deleted_conflicts_when_name_taken(ctx):
    page = ctx.create_page()
    mutation_ok(post(ctx, "/pages/%s/delete_permanently" % page["id"]))
    taker = ctx.create_page(name=page["name"].upper())
    check_error(ctx.request("POST", "/pages/%s/recover_deleted" % page["id"]), 409)
    check_error(ctx.request("GET", "/pages/" + page["id"]), 404)
    # Once the name is free again, it can come back.
    r = ctx.request("PUT", "/pages/" + taker["id"], {"page": {"name": ctx.uniq("Other")}})
    assert r.status == 200, r
    page2 = ctx.create_page()
    mutation_ok(post(ctx, "/pages/%s/permanent_delete" % page2["id"]))
    ctx.create_page(subdomain=page2["subdomain"])
    check_error(ctx.request("POST", "/pages/%s/recover_deleted" % page2["id"]), 409)
    mutation_ok(post(ctx, "/pages/%s/recover_deleted" % page["id"]))
    assert get(ctx, page["id"])["name"] == page["name"]


def test_lifecycle_versions_increase(ctx):
    page = ctx.create_page()
    versions = [page["version"]]
    versions.append(post(ctx, "/pages/%s/unpublish" % page["id"]).json["page"]["version"])
    r = ctx.request("PUT", "/pages/draft/" + page["id"], {"page": {"description": "d"}})
    versions.append(r.json["page"]["version"])
    versions.append(post(ctx, "/pages/draft/%s/publish" % page["id"]).json["page"]["version"])
    post(ctx, "/pages/%s/soft_delete" % page["id"])
    versions.append(get(ctx, page["id"])["version"])
    versions.append(post(ctx, "/pages/%s/recover" % page["id"]).json["page"]["version"])
    assert versions == sorted(set(versions)), versions
    assert versions[-1] == versions[0] + len(versions) - 1, versions


def test_parallel_publish_one_wins(ctx):
    page = create_draft(ctx)
    results = parallel(10, lambda i: ctx.request("POST", "/pages/draft/%s/publish" % page["id"]))
    statuses = sorted(r.status for r in results)
    assert statuses == [200] + [409] * 9, statuses
    assert get(ctx, page["id"])["version"] == 2


def test_lifecycle_of_another_clouds_page_404(ctx):
    other, email, tok = ctx.other_cloud()
    r = ctx.request("POST", "/pages", ctx.new_page_body(), cloud=other, auth=(email, tok))
    assert r.status == 201, r
    theirs = r.json["page"]
    for path in ("/pages/%s/soft_delete", "/pages/%s/delete", "/pages/%s/permanent_delete",
                 "/pages/%s/delete_permanently", "/pages/%s/unpublish", "/pages/%s/recover",
                 "/pages/%s/recover_deleted", "/pages/draft/%s/publish", "/pages/draft/%s/delete"):
        check_error(ctx.request("POST", path % theirs["id"]), 404)
    check_error(ctx.request("PUT", "/pages/draft/" + theirs["id"], {"page": {"description": "x"}}), 404)
    r = ctx.request("GET", "/pages/" + theirs["id"], cloud=other, auth=(email, tok))
    assert r.status == 200 and r.json == {"page": theirs}, r
