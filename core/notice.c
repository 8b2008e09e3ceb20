#include "notice.h"

#include <string.h>
#include <strings.h>

/* Longest texts a message carries of each operator-supplied field: an
 * update body can be long, a Slack section holds 3,000 characters, an SMS
 * should stay near one 160-character segment. */
#define SLACK_BODY_MAX 2500
#define SMS_PAGE_MAX 40
#define SMS_NAME_MAX 70

static const char *
str_at(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

int
notice_parse(const char *json, struct notice *n)
{
	json_t *data, *page, *inc, *update, *comps, *c;
	size_t i;

	memset(n, 0, sizeof(*n));
	n->root = json_loads(json, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(n->root) ||
	    !json_is_string(json_object_get(n->root, "type"))) {
		json_decref(n->root);
		n->root = NULL;
		return -1;
	}
	n->kind = str_at(n->root, "type");
	data = json_object_get(n->root, "data");
	page = json_object_get(data, "page");
	inc = json_object_get(data, "incident");
	update = json_object_get(inc, "latestUpdate");
	n->page_name = str_at(page, "name");
	n->page_url = str_at(page, "url");
	n->incident_name = str_at(inc, "name");
	n->status = str_at(inc, "status");
	n->shortlink = str_at(inc, "shortlink");
	n->body = str_at(update, "body");
	comps = json_object_get(inc, "affectedComponents");
	json_array_foreach (comps, i, c) {
		if (n->ncomponents == NOTICE_COMPONENTS_MAX) {
			n->more_components++;
			continue;
		}
		n->components[n->ncomponents].name = str_at(c, "name");
		n->components[n->ncomponents].status = str_at(c, "status");
		n->ncomponents++;
	}
	return 0;
}

void
notice_free(struct notice *n)
{
	json_decref(n->root);
	memset(n, 0, sizeof(*n));
}

void
notice_label(struct textbuf *b, const char *v)
{
	size_t i, n = strlen(v);
	char c;

	if (n == 0 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != n) {
		textbuf_oneline(b, v);
		return;
	}
	for (i = 0; i < n; i++) {
		c = v[i] == '_' ? ' '
		    : i == 0    ? v[i]
		                : (char)(v[i] - 'A' + 'a');
		textbuf_add(b, &c, 1);
	}
}

/* Bytes of s's longest prefix of at most max bytes that ends between two
 * characters. */
static size_t
utf8_prefix(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* s on one line, cut to max bytes with an ellipsis when longer. */
static void
add_short(struct textbuf *b, const char *s, size_t max)
{
	struct textbuf t = { 0 };
	size_t k = utf8_prefix(s, max);

	textbuf_add(&t, s, k);
	textbuf_oneline(b, t.s != NULL ? t.s : "");
	if (k < strlen(s))
		textbuf_puts(b, "\xe2\x80\xa6");
	if (t.failed)
		b->failed = 1;
	textbuf_free(&t);
}

static int
link_ok(const char *url)
{
	return strncmp(url, "https://", 8) == 0 ||
	    strncmp(url, "http://", 7) == 0;
}

/* --- email ---------------------------------------------------------------- */

/* The three texts of an email. */
struct mail_texts {
	struct textbuf subject, text, html;
};

static void
texts_free(struct mail_texts *t)
{
	textbuf_free(&t->subject);
	textbuf_free(&t->text);
	textbuf_free(&t->html);
}

/* Escaped text with its line breaks kept as <br>. */
static void
html_lines(struct textbuf *b, const char *s)
{
	struct textbuf esc = { 0 };
	const char *p, *nl;

	textbuf_html(&esc, s);
	for (p = esc.s != NULL ? esc.s : ""; (nl = strchr(p, '\n')) != NULL;
	     p = nl + 1) {
		textbuf_add(b, p, (size_t)(nl - p));
		textbuf_puts(b, "<br>\n");
	}
	textbuf_puts(b, p);
	if (esc.failed)
		b->failed = 1;
	textbuf_free(&esc);
}

static void
html_link(struct textbuf *b, const char *url, const char *label)
{
	if (!link_ok(url))
		return;
	textbuf_puts(b, "<a href=\"");
	textbuf_html(b, url);
	textbuf_puts(b, "\">");
	textbuf_html(b, label);
	textbuf_puts(b, "</a>");
}

static void
html_open(struct mail_texts *t)
{
	textbuf_puts(&t->html,
	    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
	textbuf_html(&t->html, t->subject.s != NULL ? t->subject.s : "");
	textbuf_puts(&t->html, "</title></head><body>\n");
}

/* The footer: why this arrives and how to stop it. */
static void
footer(struct mail_texts *t, const struct notice *n, const char *unsubscribe)
{
	textbuf_puts(&t->text, "\n--\nYou subscribed to updates of ");
	textbuf_puts(&t->text, n->page_name);
	textbuf_puts(&t->html, "<hr>\n<p>You subscribed to updates of ");
	textbuf_html(&t->html, n->page_name);
	if (link_ok(n->page_url)) {
		textbuf_printf(&t->text, " (%s)", n->page_url);
		textbuf_puts(&t->html, " (");
		html_link(&t->html, n->page_url, n->page_url);
		textbuf_puts(&t->html, ")");
	}
	textbuf_puts(&t->text, ".\n");
	textbuf_puts(&t->html, ".");
	if (unsubscribe != NULL) {
		textbuf_printf(&t->text, "Unsubscribe: %s\n", unsubscribe);
		textbuf_puts(&t->html, " ");
		html_link(&t->html, unsubscribe, "Unsubscribe");
	}
	textbuf_puts(&t->html, "</p>\n</body></html>\n");
}

static void
components(struct mail_texts *t, const struct notice *n)
{
	size_t i;

	if (n->ncomponents == 0)
		return;
	textbuf_puts(&t->text, "\nAffected components:\n");
	textbuf_puts(&t->html, "<h2>Affected components</h2>\n<ul>\n");
	for (i = 0; i < n->ncomponents; i++) {
		textbuf_puts(&t->text, "- ");
		textbuf_puts(&t->text, n->components[i].name);
		textbuf_puts(&t->text, ": ");
		notice_label(&t->text, n->components[i].status);
		textbuf_puts(&t->text, "\n");
		textbuf_puts(&t->html, "<li>");
		textbuf_html(&t->html, n->components[i].name);
		textbuf_puts(&t->html, ": ");
		/* a label is made of the status's own letters: escape it too */
		{
			struct textbuf l = { 0 };

			notice_label(&l, n->components[i].status);
			textbuf_html(&t->html, l.s != NULL ? l.s : "");
			textbuf_free(&l);
		}
		textbuf_puts(&t->html, "</li>\n");
	}
	if (n->more_components > 0) {
		textbuf_printf(
		    &t->text, "(and %zu more)\n", n->more_components);
		textbuf_printf(
		    &t->html, "<li>(and %zu more)</li>\n", n->more_components);
	}
	textbuf_puts(&t->html, "</ul>\n");
}

static void
incident_texts(
    struct mail_texts *t, const struct notice *n, const char *unsubscribe)
{
	struct textbuf label = { 0 };

	notice_label(&label, n->status);
	textbuf_printf(&t->subject, "[%s] %s: %s", n->page_name,
	    n->incident_name, label.s != NULL ? label.s : "");
	html_open(t);
	textbuf_printf(&t->text, "%s\nStatus: %s\n", n->incident_name,
	    label.s != NULL ? label.s : "");
	textbuf_puts(&t->html, "<h1>");
	textbuf_html(&t->html, n->incident_name);
	textbuf_puts(&t->html, "</h1>\n<p><strong>Status:</strong> ");
	textbuf_html(&t->html, label.s != NULL ? label.s : "");
	textbuf_puts(&t->html, "</p>\n");
	if (n->body[0] != '\0') {
		textbuf_printf(&t->text, "\n%s\n", n->body);
		textbuf_puts(&t->html, "<p>");
		html_lines(&t->html, n->body);
		textbuf_puts(&t->html, "</p>\n");
	}
	components(t, n);
	if (link_ok(n->shortlink)) {
		textbuf_printf(&t->text, "\nDetails: %s\n", n->shortlink);
		textbuf_puts(&t->html, "<p>");
		html_link(&t->html, n->shortlink, "View the incident");
		textbuf_puts(&t->html, "</p>\n");
	}
	footer(t, n, unsubscribe);
	if (label.failed)
		t->text.failed = 1;
	textbuf_free(&label);
}

static void
confirm_texts(struct mail_texts *t, const struct notice *n, const char *url)
{
	static const char why[] =
	    "Someone, hopefully you, asked for updates of %s at this "
	    "address.";
	static const char ignore[] =
	    "If it was not you, ignore this message: nothing more is sent "
	    "unless the subscription is confirmed. The link works for 7 days.";

	textbuf_printf(
	    &t->subject, "Confirm your subscription to %s", n->page_name);
	html_open(t);
	textbuf_printf(&t->text, why, n->page_name);
	textbuf_printf(&t->text, "\n\nConfirm: %s\n\n%s\n", url, ignore);
	textbuf_puts(
	    &t->html, "<p>Someone, hopefully you, asked for updates of ");
	textbuf_html(&t->html, n->page_name);
	textbuf_puts(&t->html, " at this address.</p>\n<p>");
	html_link(&t->html, url, "Confirm the subscription");
	textbuf_printf(&t->html, "</p>\n<p>%s</p>\n</body></html>\n", ignore);
}

int
notice_email(
    const struct notice *n, const struct notice_mail *m, struct textbuf *out)
{
	struct mail_texts t = { 0 };
	struct mail_message msg;
	int rc = -1;

	if (strcmp(n->kind, NOTICE_CONFIRMATION) == 0) {
		if (m->confirm_url == NULL || !link_ok(m->confirm_url))
			return -1;
		confirm_texts(&t, n, m->confirm_url);
	} else {
		incident_texts(&t, n, m->unsubscribe_url);
	}
	if (!t.subject.failed && !t.text.failed && !t.html.failed) {
		memset(&msg, 0, sizeof(msg));
		msg.id = m->id;
		msg.from_addr = m->from_addr;
		msg.from_name = n->page_name;
		msg.to = m->to;
		msg.subject = t.subject.s;
		msg.unsubscribe_url = m->unsubscribe_url;
		msg.text = t.text.s;
		msg.html = t.html.s;
		msg.date = m->now;
		rc = mail_render(&msg, out);
	}
	texts_free(&t);
	return rc;
}

/* --- Slack ---------------------------------------------------------------- */

/* Slack's mrkdwn escaping: &, < and > are its control characters; the
 * rest of an operator's text stays as typed. */
static void
slack_escape(struct textbuf *b, const char *s, size_t max)
{
	size_t n = utf8_prefix(s, max), i;

	for (i = 0; i < n; i++) {
		if (s[i] == '&')
			textbuf_puts(b, "&amp;");
		else if (s[i] == '<')
			textbuf_puts(b, "&lt;");
		else if (s[i] == '>')
			textbuf_puts(b, "&gt;");
		else
			textbuf_add(b, s + i, 1);
	}
}

/* <url|label>: a URL holding '|' or '>' would end the link early, so it
 * is no link then. */
static void
slack_link(struct textbuf *b, const char *url, const char *label)
{
	if (!link_ok(url) || strpbrk(url, "|<> ") != NULL) {
		slack_escape(b, label, SLACK_BODY_MAX);
		return;
	}
	textbuf_printf(b, "<%s|", url);
	slack_escape(b, label, SLACK_BODY_MAX);
	textbuf_puts(b, ">");
}

static json_t *
mrkdwn_block(const char *type, const struct textbuf *b)
{
	json_t *text = json_pack(
	    "{s:s, s:s}", "type", "mrkdwn", "text", b->s != NULL ? b->s : " ");

	if (strcmp(type, "context") == 0)
		return json_pack(
		    "{s:s, s:[o]}", "type", type, "elements", text);
	return json_pack("{s:s, s:o}", "type", type, "text", text);
}

static int
dump_to(const char *buffer, size_t size, void *data)
{
	struct textbuf *b = data;

	textbuf_add(b, buffer, size);
	return b->failed ? -1 : 0;
}

static void
slack_components(struct textbuf *b, const struct notice *n)
{
	size_t i;

	for (i = 0; i < n->ncomponents; i++) {
		textbuf_puts(b, i == 0 ? "\nAffected: " : ", ");
		slack_escape(b, n->components[i].name, SLACK_BODY_MAX);
		textbuf_puts(b, " (");
		notice_label(b, n->components[i].status);
		textbuf_puts(b, ")");
	}
	if (n->more_components > 0)
		textbuf_printf(b, " and %zu more", n->more_components);
}

int
notice_slack(
    const struct notice *n, const char *unsubscribe_url, struct textbuf *out)
{
	struct textbuf text = { 0 }, main = { 0 }, foot = { 0 };
	json_t *doc;
	int rc = -1;

	slack_escape(&text, n->page_name, SLACK_BODY_MAX);
	textbuf_puts(&text, ": ");
	slack_escape(&text, n->incident_name, SLACK_BODY_MAX);
	textbuf_puts(&text, " (");
	notice_label(&text, n->status);
	textbuf_puts(&text, ")");
	textbuf_puts(&main, "*");
	slack_link(&main, n->shortlink, n->incident_name);
	textbuf_puts(&main, "*\nStatus: ");
	notice_label(&main, n->status);
	slack_components(&main, n);
	if (n->body[0] != '\0') {
		textbuf_puts(&main, "\n");
		slack_escape(&main, n->body, SLACK_BODY_MAX);
	}
	slack_link(&foot, n->page_url, n->page_name);
	if (unsubscribe_url != NULL) {
		textbuf_puts(&foot, " | ");
		slack_link(&foot, unsubscribe_url, "Unsubscribe");
	}
	doc =
	    json_pack("{s:s, s:[o, o]}", "text", text.s ? text.s : "", "blocks",
	        mrkdwn_block("section", &main), mrkdwn_block("context", &foot));
	if (doc != NULL && !text.failed && !main.failed && !foot.failed)
		rc = json_dump_callback(doc, dump_to, out, JSON_COMPACT);
	json_decref(doc);
	textbuf_free(&text);
	textbuf_free(&main);
	textbuf_free(&foot);
	return rc == 0 && !out->failed ? 0 : -1;
}

/* --- SMS ------------------------------------------------------------------ */

int
notice_sms_text(
    const struct notice *n, const char *confirm_url, struct textbuf *out)
{
	int resolved = strcmp(n->kind, "incident.resolved") == 0;

	if (strcmp(n->kind, NOTICE_CONFIRMATION) == 0) {
		if (confirm_url == NULL || !link_ok(confirm_url))
			return -1;
		add_short(out, n->page_name, SMS_PAGE_MAX);
		textbuf_puts(out, ": confirm your subscription: ");
		textbuf_oneline(out, confirm_url);
		return out->failed ? -1 : 0;
	}
	if (!resolved && strcmp(n->kind, "incident.created") != 0)
		return 1;
	add_short(out, n->page_name, SMS_PAGE_MAX);
	textbuf_puts(out, resolved ? ": resolved: " : ": ");
	add_short(out, n->incident_name, SMS_NAME_MAX);
	if (!resolved) {
		textbuf_puts(out, " (");
		notice_label(out, n->status);
		textbuf_puts(out, ")");
	}
	if (link_ok(n->shortlink)) {
		textbuf_puts(out, " ");
		textbuf_oneline(out, n->shortlink);
	}
	return out->failed ? -1 : 0;
}

int
notice_form_of(const char *content_type, enum notice_form *f)
{
	size_t n = strcspn(content_type, "; ");

	if (n == 16 && strncasecmp(content_type, "application/json", n) == 0)
		*f = NOTICE_FORM_JSON;
	else if (n == 33 &&
	    strncasecmp(content_type, "application/x-www-form-urlencoded", n) ==
	        0)
		*f = NOTICE_FORM_URLENCODED;
	else
		return -1;
	return 0;
}

/* v (made one clean line first) as the inside of a JSON string. */
static void
json_inside(struct textbuf *b, const char *v)
{
	struct textbuf c = { 0 };
	const char *p;

	textbuf_oneline(&c, v);
	for (p = c.s != NULL ? c.s : ""; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			textbuf_printf(b, "\\%c", *p);
		else if (*p == '<' || *p == '>' || *p == '&')
			/* harmless in JSON; never markup in a gateway's log */
			textbuf_printf(b, "\\u%04x", (unsigned)*p);
		else
			textbuf_add(b, p, 1);
	}
	if (c.failed)
		b->failed = 1;
	textbuf_free(&c);
}

/* v as a form value (RFC 1866 / WHATWG urlencoded: space as '+'). */
static void
form_value(struct textbuf *b, const char *v)
{
	struct textbuf c = { 0 };
	const unsigned char *p;

	textbuf_oneline(&c, v);
	for (p = (const unsigned char *)(c.s != NULL ? c.s : ""); *p != '\0';
	     p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL)
			textbuf_add(b, (const char *)p, 1);
		else if (*p == ' ')
			textbuf_puts(b, "+");
		else
			textbuf_printf(b, "%%%02X", *p);
	}
	if (c.failed)
		b->failed = 1;
	textbuf_free(&c);
}

void
notice_fill_template(struct textbuf *out, const char *tmpl, enum notice_form f,
    const char *to, const char *from, const char *text)
{
	static const char *const names[] = { "{to}", "{from}", "{text}" };
	const char *values[] = { to, from, text };
	const char *p = tmpl;
	size_t i;

	while (*p != '\0') {
		for (i = 0; i < 3; i++)
			if (strncmp(p, names[i], strlen(names[i])) == 0)
				break;
		if (i == 3) {
			textbuf_add(out, p++, 1);
			continue;
		}
		if (f == NOTICE_FORM_JSON)
			json_inside(out, values[i] != NULL ? values[i] : "");
		else
			form_value(out, values[i] != NULL ? values[i] : "");
		p += strlen(names[i]);
	}
}
