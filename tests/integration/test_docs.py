"""The man pages (docs/man/<tool>.8) and bash completion (completion/<tool>)
stay in step with the tools: every option `<tool> --help` prints is
documented and completed, and nothing else; every text column and JSON key
of the tool's columns[] tables is described; each page renders with man(1)
without warnings and has the required sections. No root needed."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from lib import tool

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
MAN_DIR = os.path.join(ROOT, "docs", "man")
COMPLETION_DIR = os.path.join(ROOT, "completion")
SHARED_COMPLETION = os.path.join(COMPLETION_DIR, "socklens-common.bash")
# Every tool (tools/<name>.c): a new tool needs its page and completion too.
TOOLS = sorted(f[:-2] for f in os.listdir(os.path.join(ROOT, "tools")) if f.endswith(".c"))
SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "OUTPUT", "EXAMPLES", "EXIT STATUS",
            "SEE ALSO"]

# A line of --help's option tables: "  -P, --port PORT[,PORT...]   help" or
# "      --netns PATH               help" (common/cli/opts.c print_options).
HELP_OPTION = re.compile(r"^ {2,}(?:(-[A-Za-z0-9]), )?\s*(--[a-z0-9][a-z0-9-]*)(?: ([A-Z][^ ]*))?")
OPTION_TOKEN = re.compile(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*|-[A-Za-z0-9])(?![\w-])")
VALUES = {  # option -> what completing its value must offer, exactly
    "-o": {"text", "json", "csv", "raw"},
    "--output": {"text", "json", "csv", "raw"},
    "--proto": {"tcp", "udp", "icmp"},
}


def mentions(text, word, ignore_case=False):
    """Does text contain word as a whole token?"""
    return re.search(rf"(?<![\w(-]){re.escape(word)}(?![\w(-])", text,
                     re.I if ignore_case else 0) is not None


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def help_options(name):
    """{option: takes a value} for every option in the tool's --help."""
    out = subprocess.run([tool(name), "--help"], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise AssertionError(f"{name} --help exited {out.returncode}: {out.stderr}")
    opts = {}
    for line in out.stdout.splitlines():
        m = HELP_OPTION.match(line)
        if m:
            short, long_, arg = m.groups()
            for o in filter(None, (short, long_)):
                opts[o] = arg is not None
    if not opts:
        raise AssertionError(f"no options found in {name} --help:\n{out.stdout}")
    return opts


def unroff(text):
    """roff source as plain text: \\- to -, font and other escapes dropped."""
    text = text.replace("\\-", "-").replace("\\&", "")
    text = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", text)   # \fB \fR \f(CW \f[B]
    text = re.sub(r"\\\((..)", " ", text)               # \(en \(aq \(em
    return text.replace("\\e", "\\")


def man_sections(source):
    """{section name: roff text} of a man page source."""
    sections, name = {}, None
    for line in source.splitlines():
        m = re.match(r'^\.SH\s+"?([^"]*)"?\s*$', line)
        if m:
            name = m.group(1).strip()
            sections[name] = []
        elif name:
            sections[name].append(line)
    return {k: "\n".join(v) for k, v in sections.items()}


def man_option_tags(options_roff):
    """Options named in the tags (.TP's next line) of the OPTIONS section."""
    lines = options_roff.splitlines()
    tags = set()
    for i, line in enumerate(lines[:-1]):
        if line.strip() == ".TP":
            tag = unroff(re.sub(r"^\.[A-Z]+\s", "", lines[i + 1])).replace('"', " ")
            tags |= set(OPTION_TOKEN.findall(tag))
    return tags


def column_names(name):
    """Text headers and JSON keys of the columns[]/cols[] tables in
    tools/<name>.c (with common/output/tcpfields.h's COL_* entries resolved)."""
    src = read(os.path.join(ROOT, "tools", f"{name}.c"))
    macros = {}
    fields = os.path.join(ROOT, "common", "output", "tcpfields.h")
    if os.path.exists(fields):
        for m in re.finditer(r"#define (COL_\w+)(?:\((\w+)\))?\s+\{([^}]*)\}", read(fields)):
            macros[m.group(1)] = (m.group(2), m.group(3))
    headers, keys = set(), set()

    def entry(body):
        parts = [p.strip() for p in body.split(",")]
        if len(parts) >= 3:
            for part, into in ((parts[0], headers), (parts[2], keys)):
                if part.startswith('"'):
                    into.add(part.strip('"'))

    for table in re.finditer(r"struct column \w+\[\] = \{(.*?)\n\t*\};", src, re.S):
        body = table.group(1)
        for m in re.finditer(r"\{([^{}]*)\}", body):
            entry(m.group(1))
        for m in re.finditer(r"\b(COL_\w+)(?:\(([^)]*)\))?", body):
            if m.group(1) not in macros:
                raise AssertionError(f"tools/{name}.c: unknown column macro {m.group(1)}")
            param, text = macros[m.group(1)]
            if param and m.group(2):
                text = text.replace(param, m.group(2))
            entry(text)
    return headers, keys


def complete(name, *words):
    """What bash completion offers for `name words...` (the last word is the
    one being completed), by calling the completion function as bash does."""
    script = (
        'set -u; . "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));\n'
        'spec=$(complete -p "$1") || exit 3; fn=${spec##*-F }; fn=${fn%% *};\n'
        '"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}";\n'
        'printf "%s\\n" "${COMPREPLY[@]}"\n')
    out = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "complete",
                          os.path.join(COMPLETION_DIR, name), name, *words],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise AssertionError(f"completion/{name} failed ({out.returncode}): {out.stderr}")
    return {w for w in out.stdout.splitlines() if w}


class ManPageTest(unittest.TestCase):
    def test_every_option_of_help_is_documented_and_nothing_else(self):
        for name in TOOLS:
            with self.subTest(tool=name):
                page = os.path.join(MAN_DIR, f"{name}.8")
                self.assertTrue(os.path.exists(page), f"{page} is missing")
                source = read(page)
                sections = man_sections(source)
                for s in SECTIONS:
                    self.assertIn(s, sections, f"{name}.8 has no .SH {s}")
                opts = set(help_options(name))
                text = unroff(source)
                for o in sorted(opts):
                    self.assertTrue(mentions(text, o), f"{name}.8 never mentions {o}")
                tags = man_option_tags(sections["OPTIONS"])
                self.assertEqual(set(), opts - tags,
                                 f"{name}.8: options in --help but not in OPTIONS")
                self.assertEqual(set(), tags - opts,
                                 f"{name}.8: options in OPTIONS that {name} --help does not list")

    def test_every_column_and_json_key_is_described(self):
        for name in TOOLS:
            with self.subTest(tool=name):
                headers, keys = column_names(name)
                if not keys:
                    self.skipTest(f"no columns[] table found in tools/{name}.c")
                output = unroff(man_sections(read(os.path.join(MAN_DIR, f"{name}.8")))["OUTPUT"])
                for word in sorted(keys):
                    self.assertTrue(mentions(output, word),
                                    f"{name}.8 OUTPUT does not describe the key {word!r}")
                # a header may be one no option shows (tcpclose's STATE): its
                # key's description covers it
                for word in sorted(headers):
                    self.assertTrue(mentions(output, word, ignore_case=True),
                                    f"{name}.8 OUTPUT does not describe the column {word!r}")

    def test_pages_render_without_warnings_and_show_examples(self):
        if shutil.which("man") is None:
            self.skipTest("man(1) is not installed (Debian: apt-get install man-db)")
        env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="", PAGER="cat", MANPAGER="cat")
        env.pop("MAN_KEEP_FORMATTING")
        for name in TOOLS:
            with self.subTest(tool=name):
                out = subprocess.run(["man", "--warnings", "-l", os.path.join(MAN_DIR, f"{name}.8")],
                                     capture_output=True, text=True, timeout=60, env=env)
                self.assertEqual(0, out.returncode, out.stderr)
                self.assertEqual("", out.stderr.strip(), f"{name}.8 renders with warnings")
                plain = re.sub(r".\x08", "", re.sub(r"\x1b\[[0-9;]*m", "", out.stdout))
                headings = {l.strip() for l in plain.splitlines() if l and not l[0].isspace()}
                for s in SECTIONS:
                    self.assertIn(s, headings, f"man -l {name}.8 shows no {s} section")
                examples = plain.split("\nEXAMPLES\n", 1)[1].split("\nEXIT STATUS\n", 1)[0]
                self.assertRegex(examples, rf"(?m)^\s+{name}\b", f"{name}.8 EXAMPLES runs no {name}")


class CompletionTest(unittest.TestCase):
    def setUp(self):
        if shutil.which("bash") is None:
            self.skipTest("bash is not installed")

    def test_every_option_of_help_is_in_the_completion_files(self):
        shared = read(SHARED_COMPLETION) if os.path.exists(SHARED_COMPLETION) else ""
        for name in TOOLS:
            with self.subTest(tool=name):
                path = os.path.join(COMPLETION_DIR, name)
                self.assertTrue(os.path.exists(path), f"{path} is missing")
                text = read(path) + "\n" + shared
                for o in sorted(help_options(name)):
                    self.assertTrue(mentions(text, o),
                                    f"completion/{name} (and the shared script) lack {o}")

    def test_completion_offers_exactly_the_options_of_help(self):
        for name in TOOLS:
            with self.subTest(tool=name):
                opts = set(help_options(name))
                self.assertEqual(opts, complete(name, "-"))
                longs = {o for o in opts if o.startswith("--")}
                self.assertEqual(longs, complete(name, "--"))

    def test_completion_of_option_values(self):
        for name in TOOLS:
            opts = help_options(name)
            with self.subTest(tool=name):
                for opt, want in VALUES.items():
                    if opt in opts:
                        self.assertEqual(want, complete(name, opt, ""), opt)
                        self.assertEqual({w for w in want if w.startswith("j")},
                                         complete(name, opt, "j"), opt)
                # an option's value is completed as a value, never as options
                for opt, takes_value in opts.items():
                    if takes_value:
                        got = complete(name, opt, "-")
                        self.assertFalse({w for w in got if w.startswith("-")},
                                         f"{opt} <TAB> offers options: {got}")
                if "--output" in opts:
                    self.assertEqual({"--output=csv"}, complete(name, "--output=c"))
                if "--pid" in opts:
                    self.assertIn(str(os.getpid()), complete(name, "--pid", str(os.getpid())))
                    self.assertIn(f"1,{os.getpid()}", complete(name, "-p", f"1,{os.getpid()}"))
                if "--netns" in opts:
                    self.assertIn("/proc/self/ns/net", complete(name, "--netns", "/proc/self/ns/n"))
                if "--cgroup" in opts:
                    got = complete(name, "--cgroup", ROOT + "/do")
                    self.assertIn(ROOT + "/docs", got)
                    self.assertNotIn(ROOT + "/README.md", complete(name, "--cgroup", ROOT + "/R"))


class KubernetesPageTest(unittest.TestCase):
    """docs/kubernetes.md's Prometheus part: the alert rules load in
    Prometheus (promtool check rules), and every metric they and the
    families table name is one a tool's man page documents."""

    def setUp(self):
        page = read(os.path.join(ROOT, "docs", "kubernetes.md"))
        start = page.index("## Prometheus metrics")
        self.page = page[start:page.index("\n## ", start)]

    def rules_block(self):
        blocks = re.findall(r"```\n(.*?)```", self.page, re.S)
        rules = [b for b in blocks if b.startswith("groups:") and "name: socklens-metrics" in b]
        self.assertEqual(len(rules), 1, "one block of alert rules")
        return rules[0]

    def test_alert_rules_pass_promtool(self):
        if not shutil.which("promtool"):
            self.skipTest("promtool not installed (apt-get install prometheus)")
        with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
            f.write(self.rules_block())
            f.flush()
            r = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_named_metrics_are_documented(self):
        pages = "".join(unroff(read(os.path.join(MAN_DIR, f"{t}.8"))) for t in TOOLS)
        named = set(re.findall(r"socklens_[a-z_]+", self.page))
        suffixes = ("_bucket", "_sum", "_count")
        for m in sorted(named):
            base = next((m[:-len(x)] for x in suffixes if m.endswith(x)), m)
            with self.subTest(metric=m):
                self.assertIn(base, pages)


if __name__ == "__main__":
    unittest.main()
