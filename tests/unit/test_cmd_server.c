/* Unit tests of commands/server.c: the args spec parser, COMMAND (INFO,
 * DOCS, LIST, GETKEYS, COUNT), INFO, CONFIG, DBSIZE/FLUSH*, TIME,
 * SHUTDOWN, DEBUG, MEMORY.
 *
 * The test `all_specs_parse` walks every command of every family: a
 * malformed `args` spec anywhere in the table fails here, before redis-cli
 * ever sees it.  `docs_shape_*` checks the whole COMMAND DOCS reply against
 * the assertions redis-cli 7 makes on it (it aborts otherwise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmdtest.h"
#include "command.h"
#include "db.h"
#include "object.h"
#include "server_state.h"
#include "util/buf.h"

/* Exported by src/commands/server.c for these tests (no header yet). */
int argspec_usage(const char *spec, struct buf *out, char *err, size_t errlen);
int argspec_dump(const char *spec, struct buf *out, char *err, size_t errlen);

/* ---- a small RESP reader, to check reply shapes ---- */

struct rv {
    char type;     /* + - : $ * % ~ = _ , # */
    long long n;   /* integer, or element count */
    const char *s; /* string data */
    size_t len;
    struct rv *el; /* elements (maps: 2n, key then value) */
    size_t nel;
};

static const char *rv_parse(const char *p, const char *end, struct rv *v);

static const char *line_end(const char *p, const char *end)
{
    const char *q = p;
    while (q + 1 < end && !(q[0] == '\r' && q[1] == '\n'))
        q++;
    return q + 1 < end ? q : NULL;
}

static const char *rv_parse(const char *p, const char *end, struct rv *v)
{
    memset(v, 0, sizeof(*v));
    if (p >= end)
        return NULL;
    v->type = *p++;
    const char *le = line_end(p, end);
    if (!le)
        return NULL;
    switch (v->type) {
    case '+':
    case '-':
    case ',':
    case '#':
        v->s = p;
        v->len = (size_t)(le - p);
        return le + 2;
    case ':':
        v->n = strtoll(p, NULL, 10);
        return le + 2;
    case '_':
        return le + 2;
    case '$':
    case '=':
        v->n = strtoll(p, NULL, 10);
        if (v->n < 0)
            return le + 2;
        p = le + 2;
        if (p + v->n + 2 > end)
            return NULL;
        v->s = p;
        v->len = (size_t)v->n;
        return p + v->n + 2;
    case '*':
    case '%':
    case '~': {
        v->n = strtoll(p, NULL, 10);
        p = le + 2;
        if (v->n < 0)
            return p;
        v->nel = (size_t)v->n * (v->type == '%' ? 2 : 1);
        v->el = calloc(v->nel ? v->nel : 1, sizeof(*v->el));
        for (size_t i = 0; i < v->nel; i++) {
            p = rv_parse(p, end, &v->el[i]);
            if (!p)
                return NULL;
        }
        return p;
    }
    default:
        return NULL;
    }
}

static void rv_free(struct rv *v)
{
    for (size_t i = 0; i < v->nel; i++)
        rv_free(&v->el[i]);
    free(v->el);
}

static int rv_is_str(const struct rv *v)
{
    return v->type == '$' && v->n >= 0;
}

static int rv_eq(const struct rv *v, const char *s)
{
    return (v->type == '$' || v->type == '+') && v->len == strlen(s) &&
           memcmp(v->s, s, v->len) == 0;
}

/* Map elements in RESP3 (%n) or a flat array in RESP2. */
static int rv_is_map(const struct rv *v)
{
    return v->type == '%' || (v->type == '*' && v->nel % 2 == 0);
}

static const struct rv *rv_get(const struct rv *map, const char *key)
{
    for (size_t i = 0; i + 1 < map->nel; i += 2)
        if (rv_eq(&map->el[i], key))
            return &map->el[i + 1];
    return NULL;
}

static struct rv parse_reply(const char *r)
{
    struct rv v;
    size_t len = cmdtest_last_len();
    const char *end = rv_parse(r, r + len, &v);
    assert_non_null(end);
    assert_ptr_equal(end, r + len); /* exactly one value, nothing after */
    return v;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- fixtures ---- */

static int setup(void **state)
{
    (void)state;
    cmdtest_setup();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cmdtest_teardown();
    return 0;
}

static void set_key(struct client *c, const char *k, const char *v)
{
    db_set(c->db, k, strlen(k), obj_new_string(v, strlen(v)), 0);
}

/* ---- the args spec parser ---- */

static void expect_usage(const char *spec, const char *usage)
{
    struct buf b = BUF_INIT;
    char err[256];
    int rc = argspec_usage(spec, &b, err, sizeof(err));
    if (rc != 0)
        fail_msg("spec '%s' failed: %s", spec, err);
    assert_string_equal(b.data ? b.data : "", usage);
    buf_free(&b);
}

static void expect_dump(const char *spec, const char *dump)
{
    struct buf b = BUF_INIT;
    char err[256];
    int rc = argspec_dump(spec, &b, err, sizeof(err));
    if (rc != 0)
        fail_msg("spec '%s' failed: %s", spec, err);
    assert_string_equal(b.data ? b.data : "", dump);
    buf_free(&b);
}

static void expect_bad(const char *spec, const char *msg_part)
{
    struct buf b = BUF_INIT;
    char err[256] = "";
    int rc = argspec_dump(spec, &b, err, sizeof(err));
    if (rc == 0)
        fail_msg("spec '%s' should fail, parsed as '%s'", spec, b.data ? b.data : "");
    if (!strstr(err, msg_part))
        fail_msg("spec '%s': error '%s' lacks '%s'", spec, err, msg_part);
    buf_free(&b);
}

static void spec_redis_usages(void **state)
{
    (void)state;
    /* What redis-cli 7.0 shows for Redis's own docs of these commands. */
    expect_usage("key:key value:string [NX|XX] [GET] [EX seconds:integer|PX "
                 "milliseconds:integer|EXAT unix-time-seconds:unix-time|PXAT "
                 "unix-time-milliseconds:unix-time|KEEPTTL]",
                 "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT "
                 "unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]");
    expect_usage("key:key (field:string value:string)...", "key field value [field value ...]");
    expect_usage("key:key...", "key [key ...]");
    expect_usage("(parameter:string value:string)...", "parameter value [parameter value ...]");
    expect_usage("[FILTERBY (MODULE module-name:string|ACLCAT category:string|PATTERN "
                 "pattern:pattern)]",
                 "[FILTERBY MODULE module-name|ACLCAT category|PATTERN pattern]");
    /* SORT: a repeated token group, a token-led block, a token arg. */
    expect_usage("key:key [BY pattern:pattern] [LIMIT offset:integer count:integer] "
                 "[GET pattern:pattern]... [ASC|DESC] [ALPHA] [STORE destination:key]",
                 "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] "
                 "[ASC|DESC] [ALPHA] [STORE destination]");
    /* MIGRATE-style: the token once, then the repeated value. */
    expect_usage("[KEYS key:key...]", "[KEYS key [key ...]]");
    expect_usage("cursor:integer [MATCH pattern:pattern] [COUNT count:integer]",
                 "cursor [MATCH pattern] [COUNT count]");
    expect_usage("[section:string...]", "[section [section ...]]");
    expect_usage("", "");
    expect_usage(NULL, "");
    expect_usage("  key:key   ", "key");
}

static void spec_tree_shapes(void **state)
{
    (void)state;
    expect_dump("[NX|XX]", "nx_xx:oneof?(NX=nx:pure-token XX=xx:pure-token)");
    expect_dump("[EX seconds:integer|KEEPTTL]",
                "seconds_keepttl:oneof?(EX=seconds:integer KEEPTTL=keepttl:pure-token)");
    expect_dump("[LIMIT offset:integer count:integer]",
                "LIMIT=limit:block?(offset:integer count:integer)");
    expect_dump("(field:string value:string)...", "field_value:block*(field:string value:string)");
    expect_dump("[GET pattern:pattern]...", "GET=pattern:pattern?*+");
    expect_dump("[KEYS key:key...]", "KEYS=key:key?*");
    expect_dump("key:key NX", "key:key NX=nx:pure-token");
    /* A top-level token stays a pure token even before a value. */
    expect_dump("STREAMS key:key... id:string...",
                "STREAMS=streams:pure-token key:key* id:string*");
    /* Nesting: an optional block holding a oneof and a value. */
    expect_dump(
        "[(MAXLEN|MINID) [=|~] threshold:string [LIMIT count:integer]]",
        "maxlen_minid_=_~_threshold_count:block?(maxlen_minid:oneof(MAXLEN=maxlen:pure-token "
        "MINID=minid:pure-token) =_~:oneof?(===:pure-token ~=~:pure-token) "
        "threshold:string LIMIT=count:integer?)");
    /* Parentheses around one item change nothing. */
    expect_dump("(key:key)", "key:key");
    expect_dump("[[NX]]", "NX=nx:pure-token?");
    expect_dump("a-b_1:double t:unix-time p:pattern", "a-b_1:double t:unix-time p:pattern");
}

static void spec_malformed(void **state)
{
    (void)state;
    expect_bad("[NX", "'[' without its ']'");
    expect_bad("(a:string", "'(' without its ')'");
    expect_bad("(a:string]", "'(' without its ')'");
    expect_bad("NX]", "closing bracket");
    expect_bad("a:string)", "closing bracket");
    expect_bad("[]", "empty");
    expect_bad("[a:string|]", "empty");
    expect_bad("[|NX]", "empty");
    expect_bad("NX|XX", "'|' outside");
    expect_bad("key", "needs a type");
    expect_bad("Key:key", "lower-case");
    expect_bad(":string", "lower-case");
    expect_bad("a:int", "unknown argument type 'int'");
    expect_bad("a:", "unknown argument type ''");
    expect_bad("a:string......", "unknown argument type");
    expect_bad("...", "'...' must follow");
    expect_bad("a:string ...", "'...' must follow");
    expect_bad("[a:string...]...", "repeats what already repeats");
    expect_bad("a.b:string", "may hold only");
    expect_bad("N.X", "may not hold");
}

static void check_spec(struct command *cmd, const char *name)
{
    if (!cmd->args || !cmd->args[0])
        return;
    struct buf b = BUF_INIT;
    char err[256];
    if (argspec_dump(cmd->args, &b, err, sizeof(err)) != 0)
        fail_msg("command '%s': bad args spec \"%s\": %s", name, cmd->args, err);
    buf_free(&b);
}

static void check_command_entry(struct command *cmd, void *ud)
{
    int *n = ud;
    (*n)++;
    check_spec(cmd, cmd->name);
    /* Metadata COMMAND DOCS and redis-cli need. */
    if (!cmd->summary || !cmd->since || !cmd->group || !cmd->complexity)
        fail_msg("command '%s' lacks summary/since/group/complexity", cmd->name);
    if (cmd->arity == 0)
        fail_msg("command '%s' has arity 0", cmd->name);
    if (cmd->subcommands) {
        for (struct command *sub = cmd->subcommands; sub->name; sub++) {
            check_spec(sub, sub->name);
            if (!sub->summary || !sub->since || !sub->group || !sub->complexity)
                fail_msg("subcommand '%s' lacks summary/since/group/complexity", sub->name);
            if (sub->arity == 0 || (sub->arity > 0 && sub->arity < 2) || sub->arity == -1)
                fail_msg("subcommand '%s' has a bad arity %d", sub->name, sub->arity);
        }
    }
}

/* Protects every command author: all specs of all families parse. */
static void all_specs_parse(void **state)
{
    (void)state;
    int n = 0;
    command_foreach(check_command_entry, &n);
    assert_true(n >= 11); /* at least this file's commands */
}

/* ---- COMMAND DOCS: the shape redis-cli asserts on ---- */

static void check_arg_doc(const struct rv *a, const char *cmd)
{
    if (!rv_is_map(a))
        fail_msg("%s: an argument is not a map", cmd);
    const struct rv *name = rv_get(a, "name"), *type = rv_get(a, "type");
    if (!name || !rv_is_str(name) || !type || !rv_is_str(type))
        fail_msg("%s: an argument lacks a name or a type", cmd);
    for (size_t i = 0; i < a->nel; i += 2)
        assert_true(rv_is_str(&a->el[i]));
    const struct rv *flags = rv_get(a, "flags");
    if (flags) {
        assert_true(flags->type == '~' || flags->type == '*');
        for (size_t i = 0; i < flags->nel; i++)
            if (flags->el[i].type != '+')
                fail_msg("%s: argument flags must be status strings", cmd);
    }
    const struct rv *token = rv_get(a, "token");
    if (token)
        assert_true(rv_is_str(token));
    int group = rv_eq(type, "block") || rv_eq(type, "oneof");
    const struct rv *args = rv_get(a, "arguments");
    if (group) {
        if (!args || args->type != '*' || args->nel == 0)
            fail_msg("%s: a block/oneof needs a non-empty arguments array", cmd);
        for (size_t i = 0; i < args->nel; i++)
            check_arg_doc(&args->el[i], cmd);
    } else {
        assert_null(args);
        static const char *const types[] = {"key",     "string",    "integer",   "double",
                                            "pattern", "unix-time", "pure-token"};
        int ok = 0;
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            ok |= rv_eq(type, types[i]);
        if (!ok)
            fail_msg("%s: unknown argument type '%.*s'", cmd, (int)type->len, type->s);
    }
}

static void check_cmd_doc(const struct rv *name, const struct rv *doc, int depth)
{
    char cname[128];
    assert_true(rv_is_str(name));
    snprintf(cname, sizeof(cname), "%.*s", (int)name->len, name->s);
    if (!rv_is_map(doc))
        fail_msg("%s: docs are not a map", cname);
    for (size_t i = 0; i < doc->nel; i += 2)
        assert_true(rv_is_str(&doc->el[i]));
    const char *strs[] = {"summary", "since", "group", "complexity"};
    for (size_t i = 0; i < 4; i++) {
        const struct rv *v = rv_get(doc, strs[i]);
        if (!v || !rv_is_str(v))
            fail_msg("%s: '%s' missing or not a string", cname, strs[i]);
    }
    const struct rv *args = rv_get(doc, "arguments");
    if (args) {
        assert_int_equal(args->type, '*');
        assert_true(args->nel > 0);
        for (size_t i = 0; i < args->nel; i++)
            check_arg_doc(&args->el[i], cname);
    }
    const struct rv *subs = rv_get(doc, "subcommands");
    if (subs) {
        assert_int_equal(depth, 0);
        assert_true(rv_is_map(subs));
        for (size_t i = 0; i < subs->nel; i += 2) {
            /* redis-cli takes the part after '|' as the subcommand name. */
            assert_non_null(memchr(subs->el[i].s, '|', subs->el[i].len));
            check_cmd_doc(&subs->el[i], &subs->el[i + 1], depth + 1);
        }
    }
}

static void docs_shape(int proto)
{
    struct client *c = cmdtest_client();
    c->resp = proto;
    const char *r = cmdtest_run(c, "COMMAND", "DOCS", NULL);
    struct rv v = parse_reply(r);
    assert_int_equal(v.type, proto == 3 ? '%' : '*');
    assert_true(v.nel > 0 && v.nel % 2 == 0);
    int n = 0;
    for (size_t i = 0; i < v.nel; i += 2, n++)
        check_cmd_doc(&v.el[i], &v.el[i + 1], 0);

    const char *cnt = cmdtest_run(c, "COMMAND", "COUNT", NULL);
    char want[32];
    snprintf(want, sizeof(want), ":%d\r\n", n);
    assert_string_equal(cnt, want);

    /* A few known entries. */
    const struct rv *cfg = NULL;
    for (size_t i = 0; i < v.nel; i += 2)
        if (rv_eq(&v.el[i], "config"))
            cfg = &v.el[i + 1];
    assert_non_null(cfg);
    const struct rv *subs = rv_get(cfg, "subcommands");
    assert_non_null(subs);
    const struct rv *set = rv_get(subs, "config|set");
    assert_non_null(set);
    const struct rv *args = rv_get(set, "arguments");
    assert_non_null(args);
    assert_int_equal(args->nel, 1);
    assert_true(rv_eq(rv_get(&args->el[0], "name"), "parameter_value"));
    assert_true(rv_eq(rv_get(&args->el[0], "type"), "block"));
    rv_free(&v);
}

static void docs_shape_resp2(void **state)
{
    (void)state;
    docs_shape(2);
}

static void docs_shape_resp3(void **state)
{
    (void)state;
    docs_shape(3);
}

static void docs_exact_bytes(void **state)
{
    (void)state;
    struct client *c = cmdtest_client();
    /* FLUSHALL's doc, byte for byte in RESP2. */
    const char *r = cmdtest_run(c, "COMMAND", "DOCS", "flushall", NULL);
    const char *want =
        "*2\r\n$8\r\nflushall\r\n*10\r\n"
        "$7\r\nsummary\r\n$34\r\nRemove all keys from all databases\r\n"
        "$5\r\nsince\r\n$5\r\n1.0.0\r\n"
        "$5\r\ngroup\r\n$6\r\nserver\r\n"
        "$10\r\ncomplexity\r\n$57\r\nO(N) where N is the total number of keys in all databases\r\n"
        "$9\r\narguments\r\n*1\r\n"
        "*8\r\n$4\r\nname\r\n$10\r\nasync_sync\r\n$4\r\ntype\r\n$5\r\noneof\r\n"
        "$5\r\nflags\r\n*1\r\n+optional\r\n"
        "$9\r\narguments\r\n*2\r\n"
        "*6\r\n$4\r\nname\r\n$5\r\nasync\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$"
        "5\r\nASYNC\r\n"
        "*6\r\n$4\r\nname\r\n$4\r\nsync\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$"
        "4\r\nSYNC\r\n";
    assert_string_equal(r, want);

    /* Unknown names are left out; subcommands by their full name. */
    r = cmdtest_run(c, "COMMAND", "DOCS", "nosuch", NULL);
    assert_string_equal(r, "*0\r\n");
    r = cmdtest_run(c, "COMMAND", "DOCS", "nosuch", "CONFIG|GET", NULL);
    struct rv v = parse_reply(r);
    assert_int_equal(v.nel, 2);
    assert_true(rv_eq(&v.el[0], "config|get"));
    /* A key argument points at the key spec. */
    rv_free(&v);
    r = cmdtest_run(c, "COMMAND", "DOCS", "memory|usage", NULL);
    v = parse_reply(r);
    const struct rv *args = rv_get(&v.el[1], "arguments");
    assert_non_null(args);
    assert_true(rv_eq(rv_get(&args->el[0], "type"), "key"));
    const struct rv *ksi = rv_get(&args->el[0], "key_spec_index");
    assert_non_null(ksi);
    assert_int_equal(ksi->type, ':');
    assert_true(rv_eq(rv_get(&args->el[1], "token"), "SAMPLES"));
    rv_free(&v);
}

/* ---- COMMAND, COMMAND INFO / COUNT / LIST / GETKEYS ---- */

static void command_info(void **state)
{
    (void)state;
    struct client *c = cmdtest_client();
    const char *r = cmdtest_run(c, "COMMAND", "INFO", "dbsize", NULL);
    assert_string_equal(r, "*1\r\n*10\r\n$6\r\ndbsize\r\n:1\r\n*2\r\n+readonly\r\n+fast\r\n"
                           ":0\r\n:0\r\n:0\r\n*2\r\n+@read\r\n+@fast\r\n*0\r\n*0\r\n*0\r\n");
    r = cmdtest_run(c, "COMMAND", "INFO", "nosuch", NULL);
    assert_string_equal(r, "*1\r\n$-1\r\n");
    c->resp = 3;
    r = cmdtest_run(c, "COMMAND", "INFO", "nosuch", NULL);
    assert_string_equal(r, "*1\r\n_\r\n");
    c->resp = 2;

    /* A command with a key: range key spec. */
    r = cmdtest_run(c, "COMMAND", "INFO", "memory|usage", NULL);
    struct rv v = parse_reply(r);
    assert_int_equal(v.nel, 1);
    const struct rv *e = &v.el[0];
    assert_int_equal(e->nel, 10);
    assert_true(rv_eq(&e->el[0], "memory|usage"));
    assert_int_equal(e->el[1].n, -3);
    assert_int_equal(e->el[3].n, 2);
    assert_int_equal(e->el[4].n, 2);
    assert_int_equal(e->el[5].n, 1);
    assert_int_equal(e->el[8].nel, 1);
    const struct rv *ks = &e->el[8].el[0];
    const struct rv *bs = rv_get(ks, "begin_search");
    assert_non_null(bs);
    assert_true(rv_eq(rv_get(bs, "type"), "index"));
    assert_int_equal(rv_get(rv_get(bs, "spec"), "index")->n, 2);
    const struct rv *fk = rv_get(ks, "find_keys");
    assert_true(rv_eq(rv_get(fk, "type"), "range"));
    assert_int_equal(rv_get(rv_get(fk, "spec"), "lastkey")->n, 0);
    rv_free(&v);

    /* A container lists its subcommands. */
    r = cmdtest_run(c, "COMMAND", "INFO", "config", NULL);
    v = parse_reply(r);
    e = &v.el[0];
    assert_true(rv_eq(&e->el[0], "config"));
    assert_int_equal(e->el[1].n, -2);
    assert_int_equal(e->el[9].type, '*');
    assert_true(e->el[9].nel >= 4);
    int found = 0;
    for (size_t i = 0; i < e->el[9].nel; i++)
        if (rv_eq(&e->el[9].el[i].el[0], "config|get")) {
            found = 1;
            assert_int_equal(e->el[9].el[i].el[1].n, -3);
        }
    assert_true(found);
    rv_free(&v);

    /* COMMAND and COMMAND INFO without names: every command. */
    r = cmdtest_run(c, "COMMAND", "INFO", NULL);
    v = parse_reply(r);
    size_t all = v.nel;
    rv_free(&v);
    char want[32];
    snprintf(want, sizeof(want), ":%zu\r\n", all);
    assert_string_equal(cmdtest_run(c, "COMMAND", "COUNT", NULL), want);

    assert_string_equal(cmdtest_run(c, "COMMAND", "FOO", NULL),
                        "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n");
    assert_string_equal(cmdtest_run(c, "COMMAND", "COUNT", "x", NULL),
                        "-ERR wrong number of arguments for 'command|count' command\r\n");
    r = cmdtest_run(c, "COMMAND", "HELP", NULL);
    assert_true(strncmp(r, "*", 1) == 0);
    assert_non_null(
        strstr(r, "+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"));
}

static void command_bare(void **state)
{
    (void)state;
    struct client *c = cmdtest_client();
    /* COMMAND alone is the container's own handler (arity -1). */
    const char *r = cmdtest_run(c, "COMMAND", NULL);
    struct rv v = parse_reply(r);
    assert_int_equal(v.type, '*');
    assert_true(v.nel >= 11);
    for (size_t i = 0; i < v.nel; i++)
        assert_int_equal(v.el[i].nel, 10);
    rv_free(&v);
}

static int list_has(const char *r, const char *name)
{
    char pat[160];
    snprintf(pat, sizeof(pat), "$%zu\r\n%s\r\n", strlen(name), name);
    return strstr(r, pat) != NULL;
}

static void command_list(void **state)
{
    (void)state;
    struct client *c = cmdtest_client();
    const char *r = cmdtest_run(c, "COMMAND", "LIST", NULL);
    assert_true(list_has(r, "info"));
    assert_true(list_has(r, "config|get"));
    assert_true(list_has(r, "command|docs"));

    r = cmdtest_run(c, "COMMAND", "LIST", "FILTERBY", "PATTERN", "config*", NULL);
    struct rv v = parse_reply(r);
    assert_int_equal(v.nel, 6); /* config + 5 subcommands */
    rv_free(&v);
    assert_true(list_has(r, "config|resetstat"));
    assert_false(list_has(r, "info"));

    r = cmdtest_run(c, "COMMAND", "LIST", "filterby", "aclcat", "DANGEROUS", NULL);
    assert_true(list_has(r, "flushall"));
    assert_false(list_has(r, "dbsize"));
    assert_string_equal(cmdtest_run(c, "COMMAND", "LIST", "FILTERBY", "MODULE", "x", NULL),
                        "*0\r\n");
    assert_string_equal(cmdtest_run(c, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch", NULL),
                        "*0\r\n");
    assert_string_equal(cmdtest_run(c, "COMMAND", "LIST", "x", NULL), "-ERR syntax error\r\n");
    assert_string_equal(cmdtest_run(c, "COMMAND", "LIST", "FILTERBY", NULL),
                        "-ERR syntax error\r\n");
    assert_string_equal(cmdtest_run(c, "COMMAND", "LIST", "FILTERBY", "nosuch", "x", NULL),
                        "-ERR syntax error\r\n");
}

static void command_getkeys(void **state)
{
    (void)state;
    struct client *c = cmdtest_client();
    assert_string_equal(cmdtest_run(c, "COMMAND", "GETKEYS", "memory", "usage", "k1", NULL),
                        "*1\r\n$2\r\nk1\r\n");
    assert_string_equal(cmdtest_run(c, "COMMAND", "GETKEYS", "nosuch", "a", NULL),
                        "-ERR Invalid command specified\r\n");
    assert_string_equal(cmdtest_run(c, "COMMAND", "GETKEYS", "nosuch", "a", NULL),
                        "-ERR Invalid command specified\r\n");
    assert_string_equal(cmdtest_run(c, "COMMAND", "GETKEYS", "memory", "nosuch", NULL),
                        "-ERR Invalid command specified\r\n");
    assert_string_equal(cmdtest_run(c, "COMMAND", "GETKEYS", "memory", "usage", NULL),
                        "-ERR Invalid number of arguments specified for command\r\n");
    assert_string_equal(cmdtest_run(c, "COMMAND", "GETKEYS", "dbsize", "a", NULL),
                        "-ERR The command has no key arguments\r\n");
    assert_string_equal(cmdtest_run(c, "COMMAND", "GETKEYS", "info", "x", NULL),
                        "-ERR The command has no key arguments\r\n");
    /* Redis 7.0's arity for it is -4: the command and at least one arg. */
    assert_string_equal(cmdtest_run(c, "COMMAND", "GETKEYS", "time", NULL),
                        "-ERR wrong number of arguments for 'command|getkeys' command\r\n");
}

/* ---- INFO ---- */

static void info_default_sections(void **state)
{
    (void)state;
    struct client *c = cmdtest_client();
    const char *r = cmdtest_run(c, "INFO", NULL);
    struct rv v = parse_reply(r);
    assert_int_equal(v.type, '$');
    char *text = strndup(v.s, v.len);
    rv_free(&v);
    /* Redis 7's default: everything but commandstats and latencystats. */
    const char *order[] = {"# Server\r\n",      "# Clients\r\n", "# Memory\r\n",
                           "# Persistence\r\n", "# Stats\r\n",   "# Replication\r\n",
                           "# CPU\r\n",         "# Modules\r\n", "# Errorstats\r\n",
                           "# Cluster\r\n",     "# Keyspace\r\n"};
    const char *prev = text;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        const char *p = strstr(text, order[i]);
        if (!p)
            fail_msg("INFO lacks %s", order[i]);
        assert_true(p >= prev);
        /* Sections are separated by one blank line. */
        if (p != text)
            assert_memory_equal(p - 4, "\r\n\r\n", 4);
        prev = p;
    }
    assert_null(strstr(text, "# Commandstats"));
    assert_true(strncmp(text, "# Server\r\nredis_version:7.0.", 28) == 0);
    const char *fields[] = {
        "\r\nraftcache_version:",
        "\r\nredis_mode:standalone\r\n",
        "\r\nos:",
        "\r\narch_bits:",
        "\r\nmultiplexing_api:",
        "\r\nprocess_id:",
        "\r\nrun_id:",
        "\r\ntcp_port:",
        "\r\nserver_time_usec:",
        "\r\nuptime_in_seconds:",
        "\r\nuptime_in_days:",
        "\r\nhz:",
        "\r\nconfigured_hz:",
        "\r\nexecutable:",
        "\r\nconfig_file:",
        "\r\nconnected_clients:1\r\n",
        "\r\nmaxclients:",
        "\r\nblocked_clients:0\r\n",
        "\r\nused_memory:",
        "\r\nused_memory_human:",
        "\r\nused_memory_rss:",
        "\r\nused_memory_peak:",
        "\r\nmaxmemory:0\r\n",
        "\r\nmaxmemory_human:0B\r\n",
        "\r\nmaxmemory_policy:",
        "\r\nmem_fragmentation_ratio:",
        "\r\nloading:0\r\n",
        "\r\naof_enabled:",
        "\r\naof_rewrite_in_progress:0\r\n",
        "\r\nrdb_bgsave_in_progress:0\r\n",
        "\r\nrdb_changes_since_last_save:",
        "\r\ntotal_connections_received:",
        "\r\ntotal_commands_processed:",
        "\r\ninstantaneous_ops_per_sec:",
        "\r\ntotal_net_input_bytes:",
        "\r\ntotal_net_output_bytes:",
        "\r\nrejected_connections:",
        "\r\nexpired_keys:",
        "\r\nevicted_keys:",
        "\r\nkeyspace_hits:",
        "\r\nkeyspace_misses:",
        "\r\ntotal_error_replies:",
        "\r\nrole:master\r\n",
        "\r\nconnected_slaves:0\r\n",
        "\r\nmaster_replid:",
        "\r\nmaster_repl_offset:0\r\n",
        "\r\nused_cpu_sys:",
        "\r\nused_cpu_user:",
        "\r\ncluster_enabled:0\r\n",
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (!strstr(text, fields[i]))
            fail_msg("INFO lacks field %s", fields[i] + 2);
    /* Last section, no trailing blank line. */
    size_t n = strlen(text);
    assert_true(n > 4);
    assert_string_equal(text + n - 12, "# Keyspace\r\n");
    free(text);
}

static char *info_text(struct client *c, const char *section)
{
    const char *r = cmdtest_run(c, "INFO", section, NULL);
    struct rv v = parse_reply(r);
    assert_int_equal(v.type, '$');
    char *t = strndup(v.s, v.len);
    rv_free(&v);
    return t;
}

static void info_sections_and_stats(void **state)
{
    (void)state;
    struct client *c = cmdtest_client();
    char *t = info_text(c, "keyspace");
    assert_string_equal(t, "# Keyspace\r\n");
    free(t);

    set_key(c, "a", "1");
    set_key(c, "b", "2");
    db_set_expire(c->db, "b", 1, server.cmd_now_ms + 100000);
    client_select_db(c, 3);
    set_key(c, "z", "1");
    client_select_db(c, 0);
    t = info_text(c, "KEYSPACE");
    assert_string_equal(t, "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n"
                           "db3:keys=1,expires=0,avg_ttl=0\r\n");
    free(t);

    /* Unknown sections are ignored; repeated ones printed once, in
     * Redis's order whatever the order asked. */
    assert_string_equal(cmdtest_run(c, "INFO", "nosuch", NULL), "$0\r\n\r\n");
    const char *r = cmdtest_run(c, "INFO", "cluster", "server", "Cluster", NULL);
    const char *srv = strstr(r, "# Server"), *cl = strstr(r, "# Cluster");
    assert_non_null(srv);
    assert_non_null(cl);
    assert_true(srv < cl);
    assert_null(strstr(cl + 1, "# Cluster"));

    /* commandstats: only asked for, or with all / everything. */
    cmdtest_run(c, "DBSIZE", NULL);
    cmdtest_run(c, "DBSIZE", NULL);
    cmdtest_run(c, "CONFIG", "GET", "maxmemory", NULL);
    cmdtest_run(c, "CONFIG", "GET", NULL); /* rejected: arity */
    t = info_text(c, "commandstats");
    assert_true(strncmp(t, "# Commandstats\r\n", 16) == 0);
    assert_non_null(strstr(t, "\r\ncmdstat_dbsize:calls=2,usec="));
    assert_non_null(strstr(t, ",rejected_calls=0,failed_calls=0\r\n"));
    assert_non_null(strstr(t, "\r\ncmdstat_config|get:calls=1,usec="));
    assert_non_null(strstr(t, "rejected_calls=1,failed_calls=0\r\n"));
    assert_non_null(strstr(t, "usec_per_call="));
    free(t);
    t = info_text(c, "all");
    assert_non_null(strstr(t, "# Commandstats\r\n"));
    assert_non_null(strstr(t, "# Keyspace\r\n"));
    free(t);
    t = info_text(c, "everything");
    assert_non_null(strstr(t, "# Commandstats\r\n"));
    free(t);
    t = info_text(c, "default");
    assert_null(strstr(t, "# Commandstats\r\n"));
    free(t);

    /* errorstats: by the first word, sorted. */
    cmdtest_run(c, "FLUSHALL", "bad", NULL);
    cmdtest_run(c, "DEBUG", "ERROR", "WRONGTYPE x", NULL);
    cmdtest_run(c, "FLUSHDB", "bad", NULL);
    t = info_text(c, "errorstats");
    /* ERR: the rejected CONFIG GET above counts too, as in Redis. */
    assert_string_equal(t, "# Errorstats\r\nerrorstat_ERR:count=3\r\n"
                           "errorstat_WRONGTYPE:count=1\r\n");
    free(t);
    t = info_text(c, "stats");
    assert_non_null(strstr(t, "\r\ntotal_error_replies:4\r\n"));
    free(t);

    /* RESP3: a verbatim string. */
    c->resp = 3;
    r = cmdtest_run(c, "INFO", "cluster", NULL);
    assert_string_equal(r, "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n");
}

/* ---- CONFIG ---- */

static int hook_calls;
static char hook_last[64];
static const char *hook_refuse; /* name the hook refuses */

static int test_hook(const char *name, char *err, size_t errlen)
{
    hook_calls++;
    snprintf(hook_last, sizeof(hook_last), "%s", name);
    if (hook_refuse && strcasecmp(name, hook_refuse) == 0) {
        snprintf(err, errlen, "cannot apply it now");
        return -1;
    }
    return 0;
}

static void config_get_set(void **state)
{
    (void)state;
    struct client *c = cmdtest_client();
    assert_string_equal(cmdtest_run(c, "CONFIG", "GET", "maxmemory", NULL),
                        "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
    c->resp = 3;
    assert_string_equal(cmdtest_run(c, "CONFIG", "GET", "maxmemory", NULL),
                        "%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
    c->resp = 2;
    assert_string_equal(cmdtest_run(c, "CONFIG", "GET", "nosuch", NULL), "*0\r\n");
    /* Several patterns; a name matched twice is listed once. */
    const char *r = cmdtest_run(c, "CONFIG", "GET", "maxmemory", "MAXMEM*", "save", NULL);
    struct rv v = parse_reply(r);
    int maxmem = 0, save = 0;
    for (size_t i = 0; i < v.nel; i += 2) {
        maxmem += rv_eq(&v.el[i], "maxmemory");
        save += rv_eq(&v.el[i], "save");
    }
    assert_int_equal(maxmem, 1);
    assert_int_equal(save, 1);
    rv_free(&v);

    assert_string_equal(cmdtest_run(c, "CONFIG", "SET", "maxmemory", "10mb", NULL), "+OK\r\n");
    assert_int_equal(server.cfg->maxmemory, 10 * 1024 * 1024);
    assert_string_equal(cmdtest_run(c, "CONFIG", "GET", "maxmemory", NULL),
                        "*2\r\n$9\r\nmaxmemory\r\n$8\r\n10485760\r\n");

    assert_string_equal(cmdtest_run(c, "CONFIG", "SET", "foo", "bar", NULL),
                        "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n");
    assert_string_equal(cmdtest_run(c, "CONFIG", "SET", "maxmemory", "1", "MAXMEMORY", "2", NULL),
                        "-ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - "
                        "duplicate parameter\r\n");
    assert_string_equal(cmdtest_run(c, "CONFIG", "SET", "maxmemory", "1", "foo", NULL),
                        "-ERR syntax error\r\n");
    assert_string_equal(cmdtest_run(c, "CONFIG", "SET", "maxmemory", NULL),
                        "-ERR wrong number of arguments for 'config|set' command\r\n");
    assert_string_equal(cmdtest_run(c, "CONFIG", "GET", NULL),
                        "-ERR wrong number of arguments for 'config|get' command\r\n");
    assert_string_equal(cmdtest_run(c, "CONFIG", NULL),
                        "-ERR wrong number of arguments for 'config' command\r\n");
    assert_string_equal(cmdtest_run(c, "CONFIG", "foo", NULL),
                        "-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n");
    /* Immutable keys are refused by config_set. */
    int dbs = server.cfg->databases;
    r = cmdtest_run(c, "CONFIG", "SET", "databases", "4", NULL);
    assert_string_equal(r, "-ERR CONFIG SET failed (possibly related to argument 'databases') - "
                           "can't set immutable config\r\n");
    assert_int_equal(server.cfg->databases, dbs);

    /* All or nothing: the good pair before the bad one is undone. */
    r = cmdtest_run(c, "CONFIG", "SET", "maxmemory", "1000", "hz", "abc", NULL);
    assert_true(starts_with(r, "-ERR CONFIG SET failed (possibly related to argument 'hz') - "));
    assert_int_equal(server.cfg->maxmemory, 10 * 1024 * 1024);
    r = cmdtest_run(c, "CONFIG", "SET", "maxmemory", "1000", "databases", "3", NULL);
    assert_non_null(strstr(r, "immutable"));
    assert_int_equal(server.cfg->maxmemory, 10 * 1024 * 1024);

    /* The server's hook sees each applied name; a refusal rolls back. */
    server.on_config_set = test_hook;
    hook_calls = 0;
    assert_string_equal(
        cmdtest_run(c, "CONFIG", "SET", "maxmemory", "2000", "maxclients", "50", NULL), "+OK\r\n");
    assert_int_equal(hook_calls, 2);
    assert_string_equal(hook_last, "maxclients");
    assert_int_equal(server.cfg->maxclients, 50);
    hook_refuse = "maxclients";
    hook_calls = 0;
    r = cmdtest_run(c, "CONFIG", "SET", "maxmemory", "3000", "maxclients", "70", NULL);
    assert_string_equal(r, "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - "
                           "cannot apply it now\r\n");
    assert_int_equal(server.cfg->maxmemory, 2000);
    assert_int_equal(server.cfg->maxclients, 50);
    /* 2 applications, then the 2 restorations re-applied. */
    assert_int_equal(hook_calls, 4);
    hook_refuse = NULL;
    server.on_config_set = NULL;

    /* Multiple pairs of the same kind work. */
    assert_string_equal(
        cmdtest_run(c, "CONFIG", "SET", "maxmemory", "5000", "appendfsync", "always", NULL),
        "+OK\r\n");
    assert_int_equal(server.cfg->maxmemory, 5000);
    assert_string_equal(cmdtest_run(c, "CONFIG", "GET", "appendfsync", NULL),
                        "*2\r\n$11\r\nappendfsync\r\n$6\r\nalways\r\n");
}

static void config_resetstat_rewrite(void **state)
{
    (void)state;
    struct client *c = cmdtest_client();
    cmdtest_run(c, "DBSIZE", NULL);
    cmdtest_run(c, "FLUSHDB", "x", NULL);
    assert_true(server.stat_numcommands > 0);
    assert_string_equal(cmdtest_run(c, "CONFIG", "RESETSTAT", NULL), "+OK\r\n");
    char *t = info_text(c, "commandstats");
    /* Only INFO itself (running now) has been counted since the reset;
     * config|resetstat is counted after it returned. */
    assert_null(strstr(t, "cmdstat_dbsize"));
    assert_null(strstr(t, "cmdstat_flushdb"));
    free(t);
    t = info_text(c, "errorstats");
    assert_string_equal(t, "# Errorstats\r\n");
    free(t);
    assert_string_equal(cmdtest_run(c, "CONFIG", "RESETSTAT", "x", NULL),
                        "-ERR wrong number of arguments for 'config|resetstat' command\r\n");

    assert_string_equal(cmdtest_run(c, "CONFIG", "REWRITE", NULL),
                        "-ERR The server is running without a config file\r\n");
    char *old = server.cfg->config_file;
    server.cfg->config_file = "/etc/raftcache/raftcache.yaml";
    const char *r = cmdtest_run(c, "CONFIG", "REWRITE", NULL);
    assert_true(starts_with(r, "-ERR Rewriting config file: "));
    server.cfg->config_file = old;

    r = cmdtest_run(c, "CONFIG", "HELP", NULL);
    assert_non_null(
        strstr(r, "+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"));
    assert_non_null(strstr(r, "+GET <pattern>\r\n"));
}

/* ---- keyspace commands ---- */

static void dbsize_flush(void **state)
{
    (void)state;
    struct client *c = cmdtest_client();
    assert_string_equal(cmdtest_run(c, "DBSIZE", NULL), ":0\r\n");
    set_key(c, "a", "1");
    set_key(c, "b", "1");
    assert_string_equal(cmdtest_run(c, "DBSIZE", NULL), ":2\r\n");
    assert_string_equal(cmdtest_run(c, "DBSIZE", "x", NULL),
                        "-ERR wrong number of arguments for 'dbsize' command\r\n");
    client_select_db(c, 1);
    set_key(c, "c", "1");
    assert_string_equal(cmdtest_run(c, "DBSIZE", NULL), ":1\r\n");

    /* FLUSHDB: this db only, logged as sent. */
    long long dirty = server.dirty;
    assert_string_equal(cmdtest_run(c, "FLUSHDB", NULL), "+OK\r\n");
    assert_string_equal(cmdtest_propagated(), "*1\r\n$7\r\nFLUSHDB\r\n");
    assert_true(server.dirty > dirty);
    assert_string_equal(cmdtest_run(c, "DBSIZE", NULL), ":0\r\n");
    client_select_db(c, 0);
    assert_string_equal(cmdtest_run(c, "DBSIZE", NULL), ":2\r\n");

    /* Bad options: nothing flushed, nothing logged. */
    assert_string_equal(cmdtest_run(c, "FLUSHALL", "foo", NULL), "-ERR syntax error\r\n");
    assert_string_equal(cmdtest_propagated(), "");
    assert_string_equal(cmdtest_run(c, "FLUSHALL", "ASYNC", "SYNC", NULL), "-ERR syntax error\r\n");
    assert_string_equal(cmdtest_run(c, "FLUSHDB", "now", NULL), "-ERR syntax error\r\n");
    assert_string_equal(cmdtest_run(c, "DBSIZE", NULL), ":2\r\n");

    client_select_db(c, 5);
    set_key(c, "x", "1");
    assert_string_equal(cmdtest_run(c, "FLUSHALL", "async", NULL), "+OK\r\n");
    assert_string_equal(cmdtest_propagated(), "*2\r\n$8\r\nFLUSHALL\r\n$5\r\nasync\r\n");
    for (int i = 0; i < server.ndbs; i++)
        assert_int_equal(db_size(server.dbs[i]), 0);

    /* Even an empty flush is logged (a replica may hold keys). */
    assert_string_equal(cmdtest_run(c, "FLUSHALL", "SYNC", NULL), "+OK\r\n");
    assert_string_equal(cmdtest_propagated(), "*2\r\n$8\r\nFLUSHALL\r\n$4\r\nSYNC\r\n");
    assert_string_equal(cmdtest_run(c, "FLUSHDB", "ASYNC", NULL), "+OK\r\n");
    assert_string_equal(cmdtest_propagated(), "*2\r\n$7\r\nFLUSHDB\r\n$5\r\nASYNC\r\n");
}

static void time_lastsave(void **state)
{
    (void)state;
    struct client *c = cmdtest_client();
    cmdtest_set_time(1700000000123LL);
    assert_string_equal(cmdtest_run(c, "TIME", NULL),
                        "*2\r\n$10\r\n1700000000\r\n$6\r\n123000\r\n");
    cmdtest_set_time(0);
    const char *r = cmdtest_run(c, "TIME", NULL);
    struct rv v = parse_reply(r);
    assert_int_equal(v.nel, 2);
    long long secs = strtoll(v.el[0].s, NULL, 10);
    assert_true(secs > 1600000000LL);
    assert_true(strtoll(v.el[1].s, NULL, 10) < 1000000);
    rv_free(&v);
    assert_string_equal(cmdtest_run(c, "TIME", "x", NULL),
                        "-ERR wrong number of arguments for 'time' command\r\n");
    char want[32];
    snprintf(want, sizeof(want), ":%lld\r\n", (long long)(server.start_time_ms / 1000));
    assert_string_equal(cmdtest_run(c, "LASTSAVE", NULL), want);
}

static void shutdown_no_reply(void **state)
{
    (void)state;
    struct client *c = cmdtest_client();
    assert_string_equal(cmdtest_run(c, "SHUTDOWN", "foo", NULL), "-ERR syntax error\r\n");
    assert_string_equal(cmdtest_run(c, "SHUTDOWN", "NOSAVE", "SAVE", NULL),
                        "-ERR syntax error\r\n");
    assert_string_equal(cmdtest_run(c, "SHUTDOWN", "nosave", "abort", NULL),
                        "-ERR syntax error\r\n");
    assert_string_equal(cmdtest_run(c, "SHUTDOWN", "ABORT", NULL),
                        "-ERR No shutdown in progress.\r\n");
    assert_int_equal(server.shutdown_asap, 0);
    /* Success: no reply at all, the loop stops. */
    assert_string_equal(cmdtest_run(c, "SHUTDOWN", "NOSAVE", "NOW", NULL), "");
    assert_int_equal(server.shutdown_asap, 1);
    server.shutdown_asap = 0;
    assert_string_equal(cmdtest_run(c, "SHUTDOWN", NULL), "");
    assert_int_equal(server.shutdown_asap, 1);
    server.shutdown_asap = 0;
}

static void debug_memory(void **state)
{
    (void)state;
    struct client *c = cmdtest_client();
    assert_string_equal(cmdtest_run(c, "DEBUG", "SLEEP", "0", NULL), "+OK\r\n");
    assert_string_equal(cmdtest_run(c, "DEBUG", "sleep", "0.001", NULL), "+OK\r\n");
    assert_string_equal(cmdtest_run(c, "DEBUG", "OBJECT", "nokey", NULL), "-ERR no such key\r\n");
    set_key(c, "s", "hello");
    set_key(c, "n", "12345");
    const char *r = cmdtest_run(c, "DEBUG", "OBJECT", "s", NULL);
    assert_true(strncmp(r, "+Value at:", 10) == 0);
    assert_non_null(strstr(r, " refcount:1 encoding:embstr serializedlength:5 lru:"));
    assert_non_null(strstr(r, " lru_seconds_idle:"));
    r = cmdtest_run(c, "DEBUG", "OBJECT", "n", NULL);
    assert_non_null(strstr(r, "encoding:int"));
    assert_string_equal(
        cmdtest_run(c, "DEBUG", "foo", NULL),
        "-ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.\r\n");
    assert_string_equal(
        cmdtest_run(c, "DEBUG", "sleep", NULL),
        "-ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP.\r\n");
    assert_string_equal(cmdtest_run(c, "DEBUG", NULL),
                        "-ERR wrong number of arguments for 'debug' command\r\n");
    assert_string_equal(cmdtest_run(c, "DEBUG", "ERROR", "MYERR oops", NULL), "-MYERR oops\r\n");

    assert_string_equal(cmdtest_run(c, "MEMORY", "USAGE", "nokey", NULL), "$-1\r\n");
    r = cmdtest_run(c, "MEMORY", "USAGE", "s", NULL);
    assert_int_equal(r[0], ':');
    assert_true(strtoll(r + 1, NULL, 10) >= 5);
    r = cmdtest_run(c, "MEMORY", "USAGE", "s", "SAMPLES", "0", NULL);
    assert_int_equal(r[0], ':');
    assert_string_equal(cmdtest_run(c, "MEMORY", "USAGE", "s", "SAMPLES", NULL),
                        "-ERR syntax error\r\n");
    assert_string_equal(cmdtest_run(c, "MEMORY", "USAGE", "s", "SAMPLES", "x", NULL),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(cmdtest_run(c, "MEMORY", "USAGE", "s", "x", NULL), "-ERR syntax error\r\n");
    assert_string_equal(cmdtest_run(c, "MEMORY", "USAGE", NULL),
                        "-ERR wrong number of arguments for 'memory|usage' command\r\n");
    assert_string_equal(cmdtest_run(c, "MEMORY", "foo", NULL),
                        "-ERR unknown subcommand 'foo'. Try MEMORY HELP.\r\n");
    assert_string_equal(cmdtest_run(c, "MEMORY", "PURGE", NULL), "+OK\r\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_redis_usages),
        cmocka_unit_test(spec_tree_shapes),
        cmocka_unit_test(spec_malformed),
        cmocka_unit_test_setup_teardown(all_specs_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(docs_shape_resp2, setup, teardown),
        cmocka_unit_test_setup_teardown(docs_shape_resp3, setup, teardown),
        cmocka_unit_test_setup_teardown(docs_exact_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(command_info, setup, teardown),
        cmocka_unit_test_setup_teardown(command_bare, setup, teardown),
        cmocka_unit_test_setup_teardown(command_list, setup, teardown),
        cmocka_unit_test_setup_teardown(command_getkeys, setup, teardown),
        cmocka_unit_test_setup_teardown(info_default_sections, setup, teardown),
        cmocka_unit_test_setup_teardown(info_sections_and_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(config_get_set, setup, teardown),
        cmocka_unit_test_setup_teardown(config_resetstat_rewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(dbsize_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(time_lastsave, setup, teardown),
        cmocka_unit_test_setup_teardown(shutdown_no_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(debug_memory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
