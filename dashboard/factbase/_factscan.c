/* A scanner for the one shape that long fact lists take: a block sequence of block mappings whose
 * values are one-line scalars (plain, 'single' or "double" quoted) or one-line flow lists of text.
 *
 * It reads the bytes of a `facts:` section straight into columns (Arrow buffers: offsets and UTF-8
 * data for text, float64 for numbers, one kind byte per fact and field), so that a clean 100k-fact
 * file needs no Python object per value. It never decides what a file means when in doubt: anything
 * outside that shape (anchors, tags, block scalars, multi-line scalars, nested collections, unknown
 * or repeated keys, escapes it does not know) makes it return None, and the
 * caller reads the file the general way. Plain scalars that are not plainly text, a small integer,
 * a decimal or a date are typed by the caller's `resolve` function, the one the general path uses.
 *
 * scan(data: bytes, start: int, fields: tuple[str, ...], list_field: str, resolve) ->
 *     None | (end: int, count: int, lines: bytes[int64], columns: tuple)
 * where each column is (kinds: bytes[uint8], offsets: bytes[int64], data: bytes, numbers: bytes[float64],
 * list_offsets: bytes[int64], counts: the number of facts of each kind, not_ids: how many text values
 * (or list elements) do not match the id pattern, max_bytes: the longest of them in bytes) and the
 * kinds are those below. The caller rejects a section that holds
 * tabs, carriage returns or Unicode line breaks (checked at memchr speed over the section found).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

enum { K_NONE = 0, K_TEXT = 1, K_INT = 2, K_FLOAT = 3, K_LIST = 4 };
#define MAX_FIELDS 32
#define BAIL (-1)

typedef struct {
    char *p;
    size_t len, cap;
} Buf;

static int buf_reserve(Buf *b, size_t more) {
    if (b->len + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_add(Buf *b, const void *src, size_t n) {
    if (buf_reserve(b, n)) return -1;
    memcpy(b->p + b->len, src, n);
    b->len += n;
    return 0;
}

/* Append a fixed-size item whose room was reserved. */
#define PUT(b, value)                                              \
    do {                                                           \
        memcpy((b)->p + (b)->len, &(value), sizeof(value));        \
        (b)->len += sizeof(value);                                 \
    } while (0)

static PyObject *buf_bytes(Buf *b) { return PyBytes_FromStringAndSize(b->p ? b->p : "", (Py_ssize_t)b->len); }

typedef struct {
    Buf kinds, offsets, data, numbers, lists;
    int64_t counts[5];  /* facts of each kind */
    int64_t not_ids;    /* text values (list elements for the list field) that are not ids */
    int64_t max_bytes;  /* the longest text value (element) in UTF-8 bytes */
} Column;

/* The id pattern of schema.py, ^[a-z0-9][a-z0-9._-]*$, checked while the value is at hand. */
static int is_id(const char *s, size_t n) {
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9'))) return 0;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return 0;
    }
    return 1;
}

static void count_text(Column *col, const char *s, size_t n) {
    if ((int64_t)n > col->max_bytes) col->max_bytes = (int64_t)n;
    if (!is_id(s, n)) col->not_ids++;
}

/* One fact's value of one field while its item is read (keys come in any order). */
typedef struct {
    int seen;
    int kind;
    double number;
    Buf text;          /* the decoded text; for the list field, the elements one after another */
    Buf element_ends;  /* for the list field: int64 end of each element in `text` */
} Slot;

typedef struct {
    const char *name;
    size_t name_len;
} Field;

typedef struct {
    Field fields[MAX_FIELDS];
    int nfields;
    int list_field;
    PyObject *resolve;
    Column columns[MAX_FIELDS];
    Slot slots[MAX_FIELDS];
    Buf lines;
    int64_t count;
    int open_list;          /* the list field's key just read with no value: a block list may follow */
    Py_ssize_t list_indent; /* the indentation of that block list's "- " (-1 before its first) */
} Scan;

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* ---- scalars ------------------------------------------------------------------------------------- */

/* Append the UTF-8 of code point `cp`; BAIL for what YAML or our decode check would treat specially. */
static int add_code_point(Buf *out, uint32_t cp) {
    char u[4];
    size_t n;
    if ((cp < 0x20 && cp != 0x09 && cp != 0x0A && cp != 0x0D) || (cp >= 0x7F && cp <= 0x9F) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF || cp == 0xFEFF || cp > 0x10FFFF)
        return BAIL;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return buf_add(out, u, n) ? -2 : 0;
}

static int hex_value(const char *p, int digits, uint32_t *out) {
    uint32_t v = 0;
    for (int i = 0; i < digits; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return BAIL;
    }
    *out = v;
    return 0;
}

/* A "double-quoted" scalar that closes on its line: p points after the opening quote.
 * Returns the position after the closing quote, BAIL, or -2 (memory). */
static Py_ssize_t read_double(const char *s, Py_ssize_t p, Py_ssize_t eol, Buf *out) {
    while (p < eol) {
        const char *stop = s + p;
        Py_ssize_t run = 0;
        while (p + run < eol && stop[run] != '"' && stop[run] != '\\') run++;
        if (run && buf_add(out, stop, (size_t)run)) return -2;
        p += run;
        if (p >= eol) return BAIL; /* continues on the next line: not our shape */
        if (s[p] == '"') return p + 1;
        /* an escape */
        if (p + 1 >= eol) return BAIL;
        char e = s[p + 1];
        uint32_t cp;
        int digits = 0;
        switch (e) {
        case '"': case '\\': case '/':
            if (buf_add(out, &e, 1)) return -2;
            p += 2;
            continue;
        case 'n': cp = 0x0A; break;
        case 't': cp = 0x09; break;
        case 'r': cp = 0x0D; break;
        case ' ': cp = 0x20; break;
        case 'x': digits = 2; break;
        case 'u': digits = 4; break;
        case 'U': digits = 8; break;
        default: return BAIL; /* \0 \a \e \N \_ \L \P and the rest: the general path decides */
        }
        if (digits) {
            if (p + 2 + digits > eol || hex_value(s + p + 2, digits, &cp)) return BAIL;
            p += 2 + digits;
        } else {
            p += 2;
        }
        int r = add_code_point(out, cp);
        if (r) return r;
    }
    return BAIL;
}

/* A 'single-quoted' scalar that closes on its line ('' is a quote). */
static Py_ssize_t read_single(const char *s, Py_ssize_t p, Py_ssize_t eol, Buf *out) {
    while (p < eol) {
        const char *q = memchr(s + p, '\'', (size_t)(eol - p));
        if (!q) return BAIL;
        Py_ssize_t at = q - s;
        if (buf_add(out, s + p, (size_t)(at - p))) return -2;
        if (at + 1 < eol && s[at + 1] == '\'') {
            if (buf_add(out, "'", 1)) return -2;
            p = at + 2;
            continue;
        }
        return at + 1;
    }
    return BAIL;
}

/* After a quoted scalar or a flow list: only spaces, then the end of the line or a comment. */
static int rest_is_blank(const char *s, Py_ssize_t p, Py_ssize_t eol) {
    Py_ssize_t start = p;
    while (p < eol && s[p] == ' ') p++;
    if (p == eol) return 1;
    return s[p] == '#' && p > start;
}

static int equals(const char *s, Py_ssize_t n, const char *word) {
    return (size_t)n == strlen(word) && memcmp(s, word, (size_t)n) == 0;
}

/* Type a plain scalar as `resolve_plain` does, without calling it for the shapes that are certain:
 * text with no digit, a decimal integer of up to 15 digits, a decimal fraction, a date. */
static int type_plain(Scan *scan, const char *s, Py_ssize_t n, Slot *slot, Buf *text) {
    if (n == 0 || equals(s, n, "~") || equals(s, n, "null") || equals(s, n, "Null") || equals(s, n, "NULL")) {
        slot->kind = K_NONE;
        return 0;
    }
    if (equals(s, n, "true") || equals(s, n, "True") || equals(s, n, "TRUE") || equals(s, n, "false") ||
        equals(s, n, "False") || equals(s, n, "FALSE"))
        return BAIL; /* no fact field is true/false: the general path names the mistake */
    /* Text for certain: no digit at all and not one of .inf/.nan (which resolve_plain makes numbers),
     * or a character that no number can hold (numbers are digits, signs, "_", ".", an exponent, a
     * base prefix and hex digits). */
    int digit = 0, not_numeric = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = s[i];
        if (is_digit(c)) digit = 1;
        else if (!((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == 'x' || c == 'X' || c == 'o' ||
                   c == 'O' || c == '_' || c == '+' || c == '-' || c == '.'))
            not_numeric = 1;
    }
    int special = 0;
    {
        Py_ssize_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
        const char *b = s + i;
        Py_ssize_t m = n - i;
        special = equals(b, m, ".inf") || equals(b, m, ".Inf") || equals(b, m, ".INF") || equals(b, m, ".nan") ||
                  equals(b, m, ".NaN") || equals(b, m, ".NAN");
    }
    if (!special && (!digit || not_numeric)) {
        slot->kind = K_TEXT;
        return buf_add(text, s, (size_t)n) ? -2 : 0;
    }
    if (digit) {
        Py_ssize_t i = (s[0] == '-') ? 1 : 0;
        Py_ssize_t first = i;
        while (i < n && is_digit(s[i])) i++;
        Py_ssize_t whole = i - first;
        if (i == n && whole >= 1 && whole <= 15) {
            long long v = 0;
            for (Py_ssize_t k = first; k < n; k++) v = v * 10 + (s[k] - '0');
            slot->kind = K_INT;
            slot->number = (double)(first ? -v : v);
            return 0;
        }
        if (i < n && s[i] == '.' && whole >= 1 && whole <= 15 && n - i - 1 >= 1 && n - i - 1 <= 15) {
            Py_ssize_t k = i + 1;
            while (k < n && is_digit(s[k])) k++;
            if (k == n) {
                char number[40];
                memcpy(number, s, (size_t)n);
                number[n] = 0;
                char *end = NULL;
                double v = PyOS_string_to_double(number, &end, NULL);
                if (v == -1.0 && PyErr_Occurred()) return -2; /* a Python exception is set */
                if (end != number + n) return BAIL;
                slot->kind = K_FLOAT;
                slot->number = v;
                return 0;
            }
        }
        /* YYYY-MM and YYYY-MM-DD: text to resolve_plain as well (dates are never built) */
        if ((n == 7 || n == 10) && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
            s[4] == '-' && is_digit(s[5]) && is_digit(s[6]) &&
            (n == 7 || (s[7] == '-' && is_digit(s[8]) && is_digit(s[9])))) {
            slot->kind = K_TEXT;
            return buf_add(text, s, (size_t)n) ? -2 : 0;
        }
    }
    /* Anything else (1_000, 0x1F, 3.85e9, .inf, 1,200, +5, ...): the general path's own rules. */
    PyObject *raw = PyUnicode_DecodeUTF8(s, n, "strict");
    if (!raw) return -2; /* a Python exception is set */
    PyObject *typed = PyObject_CallOneArg(scan->resolve, raw);
    Py_DECREF(raw);
    if (!typed) return -2; /* a Python exception is set */
    int result = 0;
    if (typed == Py_None) {
        slot->kind = K_NONE;
    } else if (PyBool_Check(typed)) {
        result = BAIL;
    } else if (PyLong_CheckExact(typed)) {
        double v = PyLong_AsDouble(typed);
        if (v == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            result = BAIL; /* past a double: far past any figure, the general path reports it */
        } else {
            slot->kind = K_INT;
            slot->number = v;
        }
    } else if (PyFloat_CheckExact(typed)) {
        slot->kind = K_FLOAT;
        slot->number = PyFloat_AS_DOUBLE(typed);
    } else if (PyUnicode_CheckExact(typed)) {
        Py_ssize_t size;
        const char *utf8 = PyUnicode_AsUTF8AndSize(typed, &size);
        if (!utf8) {
            result = -2;
        } else {
            slot->kind = K_TEXT;
            result = buf_add(text, utf8, (size_t)size) ? -2 : 0;
        }
    } else {
        result = BAIL;
    }
    Py_DECREF(typed);
    return result;
}

/* A plain scalar in block context, from p to the end of the line or a comment. Returns its end
 * (trailing spaces trimmed) through *end, BAIL when it is not a one-line plain scalar we can read. */
static int plain_extent(const char *s, Py_ssize_t p, Py_ssize_t eol, Py_ssize_t *end) {
    char c = s[p];
    if (strchr(",[]{}#&*!|>'\"%@`", c)) return BAIL;
    if (c == '?' || c == ':' || (c == '-' && (p + 1 >= eol || s[p + 1] == ' '))) return BAIL;
    Py_ssize_t q = p;
    while (q < eol) {
        if (s[q] == ':' && (q + 1 >= eol || s[q + 1] == ' ')) return BAIL; /* a mapping, or an error */
        if (s[q] == '#' && s[q - 1] == ' ') break;                         /* a comment */
        q++;
    }
    while (q > p && s[q - 1] == ' ') q--;
    *end = q;
    return 0;
}

/* One-line flow list of text elements: "[a, 'b', "c"]". Returns the position after "]". */
static Py_ssize_t read_flow_list(Scan *scan, const char *s, Py_ssize_t p, Py_ssize_t eol, Slot *slot) {
    p++; /* "[" */
    int64_t end;
    Slot element;
    memset(&element, 0, sizeof element);
    while (p < eol && s[p] == ' ') p++;
    if (p < eol && s[p] == ']') return p + 1;
    for (;;) {
        while (p < eol && s[p] == ' ') p++;
        if (p >= eol) return BAIL;
        char c = s[p];
        if (c == '"' || c == '\'') {
            Py_ssize_t after = c == '"' ? read_double(s, p + 1, eol, &slot->text)
                                        : read_single(s, p + 1, eol, &slot->text);
            if (after < 0) return after;
            p = after;
        } else {
            if (strchr(",[]{}#&*!|>'\"%@`?:-", c)) return BAIL;
            Py_ssize_t q = p;
            while (q < eol && s[q] != ',' && s[q] != ']' && s[q] != '[' && s[q] != '{' && s[q] != '}' &&
                   s[q] != ':' && s[q] != '#')
                q++;
            if (q < eol && (s[q] == '[' || s[q] == '{' || s[q] == '}' || s[q] == ':' || s[q] == '#')) return BAIL;
            Py_ssize_t stop = q;
            while (stop > p && s[stop - 1] == ' ') stop--;
            element.kind = K_NONE;
            size_t before = slot->text.len;
            int r = type_plain(scan, s + p, stop - p, &element, &slot->text);
            if (r) return r;
            if (element.kind != K_TEXT) {
                slot->text.len = before;
                return BAIL; /* tags are text; a number or null there is for the schema to name */
            }
            p = q;
        }
        end = (int64_t)slot->text.len;
        if (buf_add(&slot->element_ends, &end, sizeof end)) return -2;
        while (p < eol && s[p] == ' ') p++;
        if (p >= eol) return BAIL;
        if (s[p] == ']') return p + 1;
        if (s[p] != ',') return BAIL;
        p++;
        while (p < eol && s[p] == ' ') p++;
        if (p < eol && s[p] == ']') return BAIL; /* a trailing comma: let the general path judge */
    }
}

/* ---- the block structure -------------------------------------------------------------------------- */

/* "key: value" at s[p..eol). Returns 0, BAIL or -2. */
static int read_entry(Scan *scan, const char *s, Py_ssize_t p, Py_ssize_t eol) {
    Py_ssize_t k = p;
    while (k < eol && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') || s[k] == '_' ||
                       (k > p && is_digit(s[k]))))
        k++;
    if (k == p || k >= eol || s[k] != ':' || (k + 1 < eol && s[k + 1] != ' ')) return BAIL;
    int f = -1;
    for (int i = 0; i < scan->nfields; i++)
        if (scan->fields[i].name_len == (size_t)(k - p) && memcmp(scan->fields[i].name, s + p, (size_t)(k - p)) == 0) {
            f = i;
            break;
        }
    if (f < 0) return BAIL; /* an unknown key: the schema's message says which and suggests one */
    Slot *slot = &scan->slots[f];
    if (slot->seen) return BAIL; /* a duplicate key: the general path reports it */
    slot->seen = 1;
    slot->kind = K_NONE;
    Py_ssize_t v = k + 1;
    while (v < eol && s[v] == ' ') v++;
    if (v >= eol || s[v] == '#') { /* empty: null, unless a block follows (a list for the list field) */
        if (f == scan->list_field) {
            scan->open_list = f;
            scan->list_indent = -1;
        }
        return 0;
    }
    char c = s[v];
    if (c == '"' || c == '\'') {
        Py_ssize_t after = c == '"' ? read_double(s, v + 1, eol, &slot->text) : read_single(s, v + 1, eol, &slot->text);
        if (after < 0) return (int)after;
        if (!rest_is_blank(s, after, eol)) return BAIL;
        slot->kind = K_TEXT;
        return 0;
    }
    if (c == '[') {
        if (f != scan->list_field) return BAIL;
        Py_ssize_t after = read_flow_list(scan, s, v, eol, slot);
        if (after < 0) return (int)after;
        if (!rest_is_blank(s, after, eol)) return BAIL;
        slot->kind = K_LIST;
        return 0;
    }
    Py_ssize_t end;
    if (plain_extent(s, v, eol, &end)) return BAIL;
    int r = type_plain(scan, s + v, end - v, slot, &slot->text);
    if (r) return r;
    if (f == scan->list_field && slot->kind != K_NONE) return BAIL;
    return 0;
}

/* "- element" of a block list under the list field's key, at s[p..eol) after the "- ". */
static int read_block_element(Scan *scan, const char *s, Py_ssize_t p, Py_ssize_t eol) {
    Slot *slot = &scan->slots[scan->open_list];
    while (p < eol && s[p] == ' ') p++;
    if (p >= eol || s[p] == '#') return BAIL; /* an empty element is null: for the schema to name */
    char c = s[p];
    if (c == '"' || c == '\'') {
        Py_ssize_t after = c == '"' ? read_double(s, p + 1, eol, &slot->text) : read_single(s, p + 1, eol, &slot->text);
        if (after < 0) return (int)after;
        if (!rest_is_blank(s, after, eol)) return BAIL;
    } else {
        Py_ssize_t end;
        if (plain_extent(s, p, eol, &end)) return BAIL;
        Slot element;
        memset(&element, 0, sizeof element);
        int r = type_plain(scan, s + p, end - p, &element, &slot->text);
        if (r) return r;
        if (element.kind != K_TEXT) return BAIL; /* elements are text; anything else is the schema's to name */
    }
    int64_t end = (int64_t)slot->text.len;
    if (buf_add(&slot->element_ends, &end, sizeof end)) return -2;
    slot->kind = K_LIST;
    return 0;
}

/* The item read so far goes into the columns, field by field. */
static int flush_item(Scan *scan) {
    for (int f = 0; f < scan->nfields; f++) {
        Slot *slot = &scan->slots[f];
        Column *col = &scan->columns[f];
        uint8_t kind = (uint8_t)(slot->seen ? slot->kind : K_NONE);
        double number = (kind == K_INT || kind == K_FLOAT) ? slot->number : 0.0;
        if (buf_reserve(&col->kinds, 1) || buf_reserve(&col->numbers, sizeof number) ||
            buf_reserve(&col->offsets, sizeof(int64_t)) || buf_reserve(&col->lists, sizeof(int64_t)))
            return -2;
        PUT(&col->kinds, kind);
        PUT(&col->numbers, number);
        col->counts[kind]++;
        if (f == scan->list_field) {
            /* elements go to data/offsets, each fact's first element index to lists */
            if (kind == K_LIST) {
                int64_t base = col->data.len ? (int64_t)col->data.len : 0;
                size_t n = slot->element_ends.len / sizeof(int64_t);
                int64_t start = 0;
                for (size_t i = 0; i < n; i++) {
                    int64_t stop = ((int64_t *)slot->element_ends.p)[i];
                    int64_t end = base + stop;
                    if (buf_add(&col->offsets, &end, sizeof end)) return -2;
                    count_text(col, slot->text.p + start, (size_t)(stop - start));
                    start = stop;
                }
                if (buf_add(&col->data, slot->text.p, slot->text.len)) return -2;
            }
            int64_t elements = (int64_t)(col->offsets.len / sizeof(int64_t)) - 1;
            PUT(&col->lists, elements);
        } else {
            if (kind == K_TEXT) {
                if (buf_add(&col->data, slot->text.p, slot->text.len)) return -2;
                count_text(col, slot->text.p, slot->text.len);
            }
            int64_t end = (int64_t)col->data.len;
            PUT(&col->offsets, end);
        }
        slot->seen = 0;
        slot->kind = K_NONE;
        slot->text.len = 0;
        slot->element_ends.len = 0;
    }
    scan->count++;
    return 0;
}

/* Returns the end offset of the section, BAIL, or -2 (a Python exception is set). */
static Py_ssize_t scan_section(Scan *scan, const char *s, Py_ssize_t size, Py_ssize_t start, int64_t line) {
    Py_ssize_t pos = start;
    Py_ssize_t item_indent = -1, key_col = -1;
    int in_item = 0;
    while (pos < size) {
        const char *nl = memchr(s + pos, '\n', (size_t)(size - pos));
        Py_ssize_t eol = nl ? nl - s : size;
        Py_ssize_t next = nl ? eol + 1 : size;
        const char *l = s + pos;
        Py_ssize_t len = eol - pos;
        Py_ssize_t indent = 0;
        while (indent < len && l[indent] == ' ') indent++;
        if (indent == len || l[indent] == '#') { /* blank or comment */
            pos = next;
            line++;
            continue;
        }
        int dash = l[indent] == '-' && indent + 1 < len && l[indent + 1] == ' ';
        if (item_indent < 0) {
            if (!dash) return BAIL; /* no list here (empty, a flow list, or something else) */
            item_indent = indent;
        }
        if (indent < item_indent || (indent == item_indent && !dash)) {
            if (indent != 0) return BAIL; /* ends at a less indented line that is not a top-level key */
            break;
        }
        if (scan->open_list >= 0 && indent > key_col && dash &&
            (scan->list_indent < 0 || indent == scan->list_indent)) { /* "- element" of a block list */
            scan->list_indent = indent;
            int r = read_block_element(scan, s, pos + indent + 2, eol);
            if (r) return r;
            pos = next;
            line++;
            continue;
        }
        scan->open_list = -1;
        if (indent == item_indent) { /* "- key: value": a new fact */
            if (in_item && flush_item(scan)) return -2;
            in_item = 1;
            Py_ssize_t k = indent + 2;
            while (k < len && l[k] == ' ') k++;
            if (k >= len || l[k] == '#' || l[k] == '-') return BAIL;
            key_col = k;
            if (buf_add(&scan->lines, &line, sizeof line)) return -2;
            int r = read_entry(scan, s, pos + k, eol);
            if (r) return r;
        } else if (indent == key_col) {
            int r = read_entry(scan, s, pos + indent, eol);
            if (r) return r;
        } else {
            return BAIL; /* deeper: a nested block or a scalar continued over lines */
        }
        pos = next;
        line++;
    }
    if (!in_item) return BAIL;
    if (flush_item(scan)) return -2;
    return pos;
}

static void scan_free(Scan *scan) {
    for (int i = 0; i < MAX_FIELDS; i++) {
        Column *c = &scan->columns[i];
        free(c->kinds.p);
        free(c->offsets.p);
        free(c->data.p);
        free(c->numbers.p);
        free(c->lists.p);
        free(scan->slots[i].text.p);
        free(scan->slots[i].element_ends.p);
    }
    free(scan->lines.p);
}

static PyObject *scan(PyObject *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t start;
    PyObject *fields, *list_field, *resolve;
    long long first_line;
    if (!PyArg_ParseTuple(args, "y*nLO!UO", &view, &start, &first_line, &PyTuple_Type, &fields, &list_field,
                          &resolve))
        return NULL;
    Scan *scan = calloc(1, sizeof(Scan));
    PyObject *result = NULL;
    if (!scan) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    scan->nfields = (int)PyTuple_GET_SIZE(fields);
    scan->list_field = -1;
    scan->open_list = -1;
    scan->resolve = resolve;
    if (scan->nfields > MAX_FIELDS || start < 0 || start > view.len) {
        PyErr_SetString(PyExc_ValueError, "too many fields, or start outside the data");
        goto done;
    }
    for (int i = 0; i < scan->nfields; i++) {
        PyObject *name = PyTuple_GET_ITEM(fields, i);
        Py_ssize_t n;
        const char *utf8 = PyUnicode_Check(name) ? PyUnicode_AsUTF8AndSize(name, &n) : NULL;
        if (!utf8) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "field names must be str");
            goto done;
        }
        scan->fields[i].name = utf8;
        scan->fields[i].name_len = (size_t)n;
        if (PyUnicode_Compare(name, list_field) == 0) scan->list_field = i;
        int64_t zero = 0; /* Arrow offsets start at 0 */
        if (buf_add(&scan->columns[i].offsets, &zero, sizeof zero) || buf_add(&scan->columns[i].lists, &zero, sizeof zero)) {
            PyErr_NoMemory();
            goto done;
        }
    }
    Py_ssize_t end = scan_section(scan, (const char *)view.buf, view.len, start, (int64_t)first_line);
    if (end == -2) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    if (end < 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    PyObject *columns = PyTuple_New(scan->nfields);
    if (!columns) goto done;
    for (int i = 0; i < scan->nfields; i++) {
        Column *c = &scan->columns[i];
        PyObject *column = Py_BuildValue("(NNNNN(LLLLL)LL)", buf_bytes(&c->kinds), buf_bytes(&c->offsets),
                                         buf_bytes(&c->data), buf_bytes(&c->numbers), buf_bytes(&c->lists),
                                         (long long)c->counts[0], (long long)c->counts[1], (long long)c->counts[2],
                                         (long long)c->counts[3], (long long)c->counts[4], (long long)c->not_ids,
                                         (long long)c->max_bytes);
        if (!column) {
            Py_DECREF(columns);
            goto done;
        }
        PyTuple_SET_ITEM(columns, i, column);
    }
    result = Py_BuildValue("(nLNN)", end, (long long)scan->count, buf_bytes(&scan->lines), columns);
done:
    scan_free(scan);
    free(scan);
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS,
     "scan(data, start, first_line, fields, list_field, resolve) -> None | (end, count, lines, columns)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_factscan", "Columns of a clean facts section.", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__factscan(void) { return PyModule_Create(&module); }
