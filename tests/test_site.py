"""The site model: every post under the content roots, its URLs (presets) and anchors."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from linkcheck import collect as collect_module
from linkcheck import discover as discover_module
from linkcheck.app import run
from linkcheck.cli import cli
from linkcheck.config import Settings
from linkcheck.models import Document, Finding
from linkcheck.site import AnchorStyle, Generator, detect_layout, post_urls, url_key
from linkcheck.site.layout import _eleventy_copies
from linkcheck.sources import is_checkable


def write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def findings(root: Path, *paths: str, **settings: object) -> list[tuple[str, str, int, str]]:
    chosen = Settings(offline=True, **settings)  # type: ignore[arg-type]
    if paths:
        chosen = chosen.with_overrides({"paths": paths})
    report = run(chosen, cwd=root)
    return [_brief(f) for f in report.findings]


def _brief(finding: Finding) -> tuple[str, str, int, str]:
    return finding.rule, finding.location.path, finding.location.line, finding.message


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


# ---------------------------------------------------------------------------
# Partial runs see the whole site
# ---------------------------------------------------------------------------

PLAIN_BLOG = {
    "content/blog/a.md": "# A\n\nSee [b](/blog/b), [intro](b.md#intro) and [c](/blog/c).\n",
    "content/blog/b.md": "# B\n\n## Intro\n\nText.\n",
    "content/blog/c.md": "---\ntitle: C\n---\n# C\n",
}


def test_a_run_on_one_post_judges_links_against_every_post(tmp_path: Path) -> None:
    write(tmp_path, PLAIN_BLOG)
    assert findings(tmp_path, "content/blog/a.md") == []
    assert findings(tmp_path) == []


def test_a_partial_run_reports_what_a_full_run_reports(tmp_path: Path) -> None:
    write(tmp_path, {**PLAIN_BLOG, "content/blog/a.md": "[x](/blog/nope) [y](b.md#nope)\n"})
    partial = findings(tmp_path, "content/blog/a.md")
    assert partial == [
        ("broken-internal-link", "content/blog/a.md", 1, "no post at /blog/nope"),
        ("missing-anchor", "content/blog/a.md", 1, "no heading or id '#nope' in content/blog/b.md"),
    ]
    assert [f for f in findings(tmp_path) if f[1] == "content/blog/a.md"] == partial


def test_the_pre_commit_hook_command_line(tmp_path: Path) -> None:
    """pre-commit runs ``linkcheck run --offline FILES`` at the repository's root."""
    write(tmp_path, PLAIN_BLOG)
    with working_directory(tmp_path):
        result = CliRunner().invoke(
            cli, ["run", "--offline", "--no-cache", "content/blog/a.md"], catch_exceptions=False
        )
    assert result.exit_code == 0, result.output


def test_configured_paths_are_the_site_when_a_run_checks_fewer(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "linkcheck.toml": 'paths = ["posts"]\n',
            "posts/a.md": "[b](/b) [b2](b.md#two)\n",
            "posts/b.md": "## Two\n",
        },
    )
    with working_directory(tmp_path):
        result = CliRunner().invoke(
            cli, ["run", "--offline", "--no-cache", "posts/a.md"], catch_exceptions=False
        )
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------------------
# Presets
# ---------------------------------------------------------------------------

HUGO_SITE = {
    "hugo.toml": (
        'baseURL = "https://blog.example.org/"\ntitle = "Blog"\n'
        '[permalinks]\nposts = "/:year/:month/:slug/"\n'
    ),
    "content/posts/first.md": (
        '+++\ntitle = "First Post"\ndate = 2024-03-05\nslug = "hello"\n'
        'source = "https://paper.example/x"\n+++\n'
        "## Details {#details-id}\n\n![cover](/img/cover.png) ![gone](/img/gone.png)\n\n"
        "[own](https://blog.example.org/2024/03/second-post/#part-two) "
        "[self](#details-id) [bundle](second/photo.jpg) [top](#top)\n"
    ),
    "content/posts/second/index.md": (
        '+++\ntitle = "Second Post"\ndate = 2024-03-09\naliases = ["/old/second/"]\n+++\n'
        "## Part Two\n\n[back](/2024/03/hello/) [old](/old/second) [missing](/2024/03/nope/) "
        "![p](photo.jpg)\n"
    ),
    "content/posts/second/photo.jpg": "x",
    "static/img/cover.png": "x",
}


def test_hugo_site(tmp_path: Path) -> None:
    write(tmp_path, HUGO_SITE)
    layout = detect_layout(Settings(), tmp_path)
    assert layout.generator is Generator.HUGO
    assert layout.base_urls == ("https://blog.example.org",)
    assert findings(tmp_path, "content/posts/first.md") == [
        (
            "broken-internal-link",
            "content/posts/first.md",
            9,
            "no file static/img/gone.png or content/img/gone.png",
        ),
    ]
    assert findings(tmp_path, "content/posts/second/index.md") == [
        ("broken-internal-link", "content/posts/second/index.md", 8, "no post at /2024/03/nope"),
    ]


def test_toml_frontmatter_urls_are_frontmatter_links_not_citations(tmp_path: Path) -> None:
    write(tmp_path, HUGO_SITE)
    rules = {f[0] for f in findings(tmp_path)}
    assert "missing-from-resources" not in rules


JEKYLL_SITE = {
    "_config.yml": "url: https://me.example\npermalink: pretty\n",
    "_posts/2023-12-01-first-post.md": "---\ntitle: First\n---\n## Hello World\n",
    "_posts/2024-01-02-second.md": (
        "---\ntitle: Second\ncategories: notes\n---\n"
        "[first](/2023/12/01/first-post/#hello-world) "
        "[absolute](https://me.example/2023/12/01/first-post/) "
        "[about](/about/) [gone](/2023/12/02/nope/) [pdf](/files/paper.pdf)\n"
    ),
    "about.md": "---\ntitle: About\n---\n[second](/notes/2024/01/02/second/)\n",
    "vendor/bundle/gem/README.md": "[x](/nowhere/at/all)\n",
}


def test_jekyll_site_with_dated_permalinks(tmp_path: Path) -> None:
    write(tmp_path, JEKYLL_SITE)
    layout = detect_layout(Settings(), tmp_path)
    assert layout.generator is Generator.JEKYLL
    metadata = {"categories": "notes"}
    assert post_urls(layout, tmp_path.resolve() / "_posts/2024-01-02-second.md", metadata) == (
        "/notes/2024/01/02/second/",
    )
    assert findings(tmp_path) == [
        ("broken-internal-link", "_posts/2024-01-02-second.md", 5, "no post at /2023/12/02/nope"),
        ("broken-internal-link", "_posts/2024-01-02-second.md", 5, "no file files/paper.pdf"),
    ]


def test_jekyll_default_permalinks_end_in_html(tmp_path: Path) -> None:
    write(tmp_path, {"_config.yml": "title: x\n", "_posts/2024-01-02-a-b.md": "x\n"})
    layout = detect_layout(Settings(), tmp_path)
    file = tmp_path.resolve() / "_posts/2024-01-02-a-b.md"
    assert post_urls(layout, file, {}) == ("/2024/01/02/a-b.html",)
    assert post_urls(layout, file, {"date": "2024-02-03 10:00:00"}) == ("/2024/02/03/a-b.html",)


def test_docusaurus_urls(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "docusaurus.config.js": "module.exports = {url: 'https://docs.example', baseUrl: '/'};",
            "docs/01-intro.md": "# I\n\n[a](./guides/setup.md#install) [b](/docs/guides/setup)\n",
            "docs/guides/setup.md": "---\nid: setup\n---\n## Install\n",
            "blog/2024-05-06-launch.md": "[intro](/docs/intro) [bad](/docs/nope)\n",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert layout.generator is Generator.DOCUSAURUS
    root = tmp_path.resolve()
    assert post_urls(layout, root / "docs/01-intro.md", {}) == ("/docs/intro",)
    assert post_urls(layout, root / "blog/2024-05-06-launch.md", {}) == ("/blog/2024/05/06/launch",)
    assert findings(tmp_path) == [
        ("broken-internal-link", "blog/2024-05-06-launch.md", 1, "no post at /docs/nope"),
    ]


def test_astro_content_collections(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "astro.config.mjs": "export default defineConfig({ site: 'https://astro.example' });\n",
            "src/content/blog/first.mdx": "## Hi there\n\n[second](/blog/second/#end)\n",
            "src/content/blog/second.md": "## End\n",
            "public/favicon.svg": "x",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert layout.generator is Generator.ASTRO
    assert findings(tmp_path) == []


@pytest.mark.parametrize("commented", [False, True])
def test_astro_image_paths_through_tsconfig_aliases(tmp_path: Path, commented: bool) -> None:
    # `![x](@assets/a.png)` is src/assets/a.png when tsconfig.json's `paths` says so, in
    # JSON with comments too (as TypeScript reads it).
    tsconfig = (
        '{"compilerOptions": {"baseUrl": ".", "paths": {"@assets/*": ["src/assets/*"], '
        '"@/*": ["src/*"], "bad": "x"}}}\n'
    )
    write(
        tmp_path,
        {
            "astro.config.mjs": "export default defineConfig({});\n",
            "tsconfig.json": (
                '// comment\n/* "$schema": "x" */' + tsconfig.replace('"x"}', '"x",}')
                if commented
                else tsconfig
            ),
            "src/assets/a.png": "png",
            "src/content/blog/a.md": (
                "![a](@assets/a.png) ![b](@assets/missing.png) ![c](@/assets/a.png)\n"
            ),
        },
    )
    got = [(f[0], f[3]) for f in findings(tmp_path)]
    assert got == [("broken-internal-link", "no file src/assets/missing.png")]


@pytest.mark.parametrize(
    "text",
    ["/*" * 200_000, '"' * 200_000, "// a\n" * 100_000, ",  " * 100_000 + "}", '{"a": "//x", /*'],
)
def test_json_with_comments_is_read_in_linear_time(tmp_path: Path, text: str) -> None:
    from linkcheck.site.layout import _read_config

    (tmp_path / "tsconfig.json").write_text(text, encoding="utf-8")
    started = time.process_time()
    assert _read_config(tmp_path / "tsconfig.json") == {}
    assert time.process_time() - started < 2.0  # milliseconds; quadratic would be minutes
    (tmp_path / "tsconfig.json").write_text('{"a": "//not a comment", // one\n}', "utf-8")
    assert _read_config(tmp_path / "tsconfig.json") == {"a": "//not a comment"}


def test_settings_override_the_preset(tmp_path: Path) -> None:
    write(tmp_path, {"notes/x.md": "[y](/p/y/)\n", "notes/y.md": "y\n"})
    assert findings(tmp_path, "notes", content_roots=("notes",), permalink="/p/:slug/") == []


def test_url_keys() -> None:
    assert url_key("/Posts/A/") == url_key("/posts/a.html") == url_key("/posts/a/index.html")
    assert url_key("/") == "/"


# ---------------------------------------------------------------------------
# Anchors as generators render them
# ---------------------------------------------------------------------------


def test_github_anchor_rules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "content/a.md": (
                "## a  b\n\n## Title ![i](x.png)\n\n## Emoji 🎉 here\n\n## Dup\n\n## Dup\n\n"
                '<a name="named"></a>\n\n'
                "[1](#a--b) [2](#title-) [3](#emoji--here) [4](#dup-1) [5](#named) [6](#a-b)\n"
            ),
            "content/x.png": "x",
        },
    )
    assert findings(tmp_path) == [
        ("missing-anchor", "content/a.md", 13, "no heading or id '#a-b' in this post"),
    ]


def test_kramdown_anchor_style(tmp_path: Path) -> None:
    write(tmp_path, {"content/a.md": "## 1. Über Setup\n\n[k](#ber-setup) [g](#1-über-setup)\n"})
    assert findings(tmp_path, anchor_style="kramdown") == [
        ("missing-anchor", "content/a.md", 3, "no heading or id '#1-über-setup' in this post"),
    ]


# ---------------------------------------------------------------------------
# Runs that check nothing
# ---------------------------------------------------------------------------


def test_no_posts_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    with working_directory(tmp_path):
        empty = CliRunner().invoke(cli, ["run", "--offline", "--no-cache"])
        allowed = CliRunner().invoke(cli, ["run", "--offline", "--no-cache", "--allow-empty"])
    assert empty.exit_code == 2
    assert "no posts found in content" in empty.output
    assert allowed.exit_code == 0


def test_extensions_accept_comma_separated_values(tmp_path: Path) -> None:
    write(tmp_path, {"content/a.mdx": "x\n", "content/b.md": "y\n"})
    with working_directory(tmp_path):
        result = CliRunner().invoke(
            cli, ["run", "--offline", "--no-cache", "--extensions", "md,mdx", "--format", "json"]
        )
    assert result.exit_code == 0, result.output
    assert '"posts": 2' in result.output or '"posts":2' in result.output


@pytest.mark.parametrize("name", ["hugo.toml", "_config.yml", "astro.config.mjs"])
def test_a_run_without_paths_checks_the_generators_content(tmp_path: Path, name: str) -> None:
    folders = {"hugo.toml": "content", "_config.yml": "_posts", "astro.config.mjs": "src/content"}
    write(tmp_path, {name: "title = 'x'\n" if name == "hugo.toml" else "x: 1\n"})
    write(tmp_path, {f"{folders[name]}/2024-01-01-post.md": "[x](#nope)\n"})
    assert [f[0] for f in findings(tmp_path)] == ["missing-anchor"]


# ---------------------------------------------------------------------------
# Found on real sites and other checkers' fixtures
# ---------------------------------------------------------------------------


def test_a_placeholder_is_shown_as_written(tmp_path: Path) -> None:
    write(tmp_path, {"content/a.md": "![x](%%BASE_URL%%/hello.jpg)\n"})
    assert findings(tmp_path) == [
        (
            "broken-internal-link",
            "content/a.md",
            1,
            "no file content/%%BASE_URL%%/hello.jpg or %%BASE_URL%%/hello.jpg",
        ),
    ]


def test_plain_folders_match_anchors_in_any_case_as_github_does(tmp_path: Path) -> None:
    write(
        tmp_path, {"content/a.md": "# Fünf Äpfel\n\n[a](#FÜNF-äpfel) [b](#f%C3%BCnf-%C3%A4pfel)\n"}
    )
    assert findings(tmp_path) == []
    write(tmp_path, {"hugo.toml": "title = 'x'\n"})
    assert [f[0] for f in findings(tmp_path)] == ["missing-anchor"]


def test_astro_collections_loaded_from_folders(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "astro.config.ts": "export default defineConfig({ site: siteConfig.url });\n",
            "src/content.config.ts": (
                'const post = defineCollection({ loader: glob({ base: "./content/posts", '
                'pattern: "**/*.{md,mdx}" }) });\n'
            ),
            "content/posts/a.md": "[b](/posts/b/#two) [c](/posts/c/)\n",
            "content/posts/b/index.md": "## Two\n",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert (layout.generator, layout.base_urls) == (Generator.ASTRO, ())
    assert findings(tmp_path) == [
        ("broken-internal-link", "content/posts/a.md", 1, "no post at /posts/c"),
    ]


def test_docusaurus_reads_bare_markdown_paths_from_the_content_root_too(tmp_path: Path) -> None:
    # `catalogs.md` from docs/cli/add.md: not beside the post, so docs/catalogs.md (then the
    # site's folder). `./` and `../` paths are the post's folder's alone.
    write(
        tmp_path,
        {
            "docusaurus.config.js": "module.exports = {url: 'https://d.example', baseUrl: '/'};",
            "docs/catalogs.md": "## Default\n",
            "docs/cli/add.md": (
                "[a](catalogs.md#default) [b](cli/add.md) [c](README.md) "
                "[d](./catalogs.md) [e](gone.md)\n"
            ),
            "README.md": "x\n",
        },
    )
    assert [(f[0], f[3]) for f in findings(tmp_path)] == [
        ("broken-internal-link", "no file docs/cli/catalogs.md"),
        ("broken-internal-link", "no file docs/cli/gone.md"),
    ]


def test_docusaurus_docs_at_the_root_and_a_computed_url(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "docusaurus.config.js": (
                "const config = { url: `https://${HOSTNAME}`, presets: [['classic', "
                "{ docs: { routeBasePath: '/' } }]] };\n"
            ),
            "docs/ios/setup.md": "---\nslug: /ios/configuration\n---\n## Info\n",
            "docs/intro.md": "[a](/ios/configuration#info) [b](/ios/nope) [c](/main/x)\n",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert layout.base_urls == ()
    assert [m.prefix for m in layout.mounts] == ["/"]
    assert findings(tmp_path, "docs/intro.md") == [
        ("broken-internal-link", "docs/intro.md", 1, "no post at /ios/nope"),
    ]


def test_docusaurus_docs_and_blog_folders_from_the_plugins_options(tmp_path: Path) -> None:
    # A site in website/ whose docs live beside it (``path: '../docs'``, as in many
    # projects' repositories), a blog under another folder and prefix, and another plugin's
    # routeBasePath written before the docs' own.
    site = tmp_path / "website"
    write(
        tmp_path,
        {
            "website/docusaurus.config.mjs": (
                "export default { url: 'https://x.example', plugins: [['ideal-image', "
                "{ routeBasePath: 'img' }]], presets: [['classic', { docs: { path: '../docs', "
                "sidebarPath: path.resolve(__dirname, './sidebars.json'), "
                "routeBasePath: 'guide', editUrl: 'https://e.example/{x}' }, "
                "blog: { path: 'news', routeBasePath: '/updates' } }]] };\n"
            ),
            "docs/intro.md": (
                "[a](/guide/setup#two) [b](/guide/nope) [c](/updates/2024/01/02/hello)\n"
            ),
            "docs/setup.md": "## Two\n",
            "website/news/2024-01-02-hello.md": "[d](/guide/intro) [e](/updates/nope)\n",
        },
    )
    layout = detect_layout(Settings(), site)
    assert [(m.directory, m.prefix) for m in layout.mounts] == [
        ((tmp_path / "docs").resolve(), "/guide/"),
        ((site / "news").resolve(), "/updates/"),
    ]
    assert layout.checked == ((tmp_path / "docs").resolve(), (site / "news").resolve())
    assert [(f[0], f[3]) for f in findings(site)] == [
        ("broken-internal-link", "no post at /guide/nope"),
        ("broken-internal-link", "no post at /updates/nope"),
    ]
    # At the top of the repository (a plain folder), docs/ is the site's too: its absolute
    # paths are that site's to judge, its files beside it are judged.
    (tmp_path / "docs/more.md").write_text("![x](gone.png) [y](/guide/nope)\n", encoding="utf-8")
    assert [(f[1], f[3]) for f in findings(tmp_path, ".")] == [
        ("docs/more.md", "no file docs/gone.png"),
    ]
    # One of its posts given alone from the top is judged by that site too.
    assert [(f[1], f[3]) for f in findings(tmp_path, "docs/intro.md")] == [
        ("docs/intro.md", "no post at /guide/nope"),
    ]
    # `linkcheck run website` from the top checks that site as from inside it: its docs
    # beside it too, each path judged as the site serves it.
    assert [(f[1], f[3].split(" or ")[0]) for f in findings(tmp_path, "website")] == [
        ("docs/intro.md", "no post at /guide/nope"),
        ("docs/more.md", "no file docs/gone.png"),
        ("docs/more.md", "no post at /guide/nope"),
        ("website/news/2024-01-02-hello.md", "no post at /updates/nope"),
    ]


def test_docusaurus_docs_plugins_beside_the_presets_docs(tmp_path: Path) -> None:
    # typescript-eslint's site: a `.mts` config, the preset's docs at /rules/, and a second
    # docs plugin whose options a `const` holds (docs beside the site at `/`), and a third
    # written in place.
    site = tmp_path / "packages/website"
    write(
        tmp_path,
        {
            "packages/website/docusaurus.config.mts": (
                "const presetOptions = { docs: { id: 'rules', path: '../plugin/docs/rules', "
                "routeBasePath: 'rules' } };\n"
                "const baseDocs: PluginContentDocsOptions = {\n  id: 'base',\n"
                "  path: '../../docs',\n  routeBasePath: '/',\n};\n"
                "export default { plugins: [['@docusaurus/plugin-content-docs', baseDocs], "
                "[\"@docusaurus/plugin-content-docs\", { id: 'more', path: 'more' }]], "
                "presets: [['classic', presetOptions]] };\n"
            ),
            "packages/plugin/docs/rules/no-x.md": (
                "# no-x\n\n[a](/users/setup#two) [b](/users/nope) [e](/users/setup#nope)\n"
            ),
            "docs/users/setup.md": "## Two\n",
            "packages/website/more/extra.md": "[c](/docs/extra) [d](/rules/no-x)\n",
        },
    )
    layout = detect_layout(Settings(), site)
    assert layout.generator is Generator.DOCUSAURUS
    assert [(m.directory, m.prefix) for m in layout.mounts] == [
        ((tmp_path / "packages/plugin/docs/rules").resolve(), "/rules/"),
        ((tmp_path / "docs").resolve(), "/"),
        ((site / "more").resolve(), "/docs/"),
    ]
    expected = [
        ("packages/plugin/docs/rules/no-x.md", "no post at /users/nope"),
        ("packages/plugin/docs/rules/no-x.md", "no heading or id '#nope' in docs/users/setup.md"),
    ]
    assert [(f[1], f[3]) for f in findings(tmp_path, "packages/website")] == expected
    # One post given alone from the top (a pre-commit hook's run) is judged by the site
    # that publishes it from outside its own folder, as the whole run judges it.
    rule_doc = "packages/plugin/docs/rules/no-x.md"
    assert [(f[1], f[3]) for f in findings(tmp_path, rule_doc)] == expected


def test_docusaurus_theme_docs_options_are_not_the_plugins(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "docusaurus.config.js": (
                "module.exports = { themeConfig: { docs: { sidebar: { hideable: true } } },\n"
                "  presets: [['classic', { docs: { routeBasePath: '/', path: 'guide' } }]] };\n"
            ),
            "guide/a.md": "# A\n",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert [(m.directory.name, m.prefix) for m in layout.mounts] == [("guide", "/")]


def test_hostile_docusaurus_configs_are_read_in_bounded_time(tmp_path: Path) -> None:
    from linkcheck.site.layout import MAX_CONFIG_BYTES

    config = tmp_path / "docusaurus.config.js"
    config.write_text("docs: {" * ((MAX_CONFIG_BYTES - 100) // 7), encoding="utf-8")
    started = time.process_time()
    assert [m.prefix for m in detect_layout(Settings(), tmp_path).mounts] == []
    config.write_text("docs: { path: 'x' }" + " " * MAX_CONFIG_BYTES, encoding="utf-8")
    (tmp_path / "docs").mkdir()
    # Larger than any real configuration: not read, the defaults apply.
    assert [m.prefix for m in detect_layout(Settings(), tmp_path).mounts] == ["/docs/"]
    assert time.process_time() - started < 5  # about 0.3 s; quadratic would be minutes


def test_docusaurus_without_plugin_options_keeps_the_defaults(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "docusaurus.config.js": (
                "module.exports = { presets: [['classic', { docs: false }]] };\n"
            ),
            "docs/a.md": "# A\n",
            "blog/b.md": "# B\n",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert [m.prefix for m in layout.mounts] == ["/docs/", "/blog/"]


# ---------------------------------------------------------------------------
# Hugo's configuration directory and mounts (as Docsy's own site is built)
# ---------------------------------------------------------------------------


def test_hugo_configuration_directory_and_module_mounts(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "config/_default/hugo.yaml": (
                "title: Docs\nmodule:\n  mounts:\n"
                "    - {source: content/fr, target: content, sites: {matrix: {languages: [fr]}}}\n"
                "    - {source: content/en, target: content, lang: en}\n"
                "    - {source: ../README.md, target: content/repo/README.md}\n"
                "    - {source: shared, target: static}\n"
            ),
            "config/_default/languages.yaml": "en: {weight: 1}\nfr: {weight: 2}\n",
            "config/_default/params.yaml": "x: 1\n",
            "content/en/docs/setup.md": "## Two\n",
            "content/en/docs/guide/index.md": (
                "[a](/docs/setup/#two) [b](/docs/nope/) [c](../setup/) ![d](/img/a.png) "
                "[e](/fr/accueil/) [f](/blog/2025/0.12.0/) [g](/blog/2025/0.13.0/)\n"
            ),
            "content/en/blog/2025/0.12.0.md": "---\naliases: [docsy-0.12, ../old/0.12]\n---\nx\n",
            "content/en/blog/2025/notes.md": (
                "[h](/blog/2025/docsy-0.12/) [i](/blog/old/0.12/) [j](0.12.0/)\n"
            ),
            # Read from the file's folder (/docs/), as Hugo's link render hook reads it; from
            # the page's URL (/docs/content/links/) it would be /docs/content/setup/.
            "content/en/docs/content/links.md": "[l](../setup/#two)\n",
            "content/fr/accueil.md": "# Accueil\n",
            "shared/img/a.png": "png",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert layout.generator is Generator.HUGO
    assert [(m.directory.name, m.prefix) for m in layout.mounts] == [("fr", "/fr/"), ("en", "/")]
    assert layout.languages == ("fr",)
    assert [(f[0], f[3]) for f in findings(tmp_path)] == [
        ("broken-internal-link", "no post at /docs/nope"),
        ("broken-internal-link", "no post at /blog/2025/0.13.0"),
    ]


def test_hugo_default_language_in_a_subfolder(tmp_path: Path) -> None:
    # As the Learn theme's site: every language under its prefix, ``x.en.md`` files, and a
    # page's images served under the language's prefix too. Hugo's keys in any case.
    write(
        tmp_path,
        {
            "hugo.toml": (
                "defaultContentLanguage = 'en'\ndefaultContentLanguageInSubdir = true\n"
                "[Languages.en]\nweight = 1\n[Languages.fr]\nweight = 2\n"
            ),
            "content/basics/_index.en.md": "# Basics\n",
            "content/basics/_index.fr.md": "# Bases\n",
            "content/basics/page.en.md": "## Two\n",
            "content/basics/images/a.png": "png",
            "content/credits.en.md": (
                "[a](/en/basics/page/#two) [b](/fr/basics/) ![c](/en/basics/images/a.png) "
                "[d](/en/basics/nope/) ![e](/fr/basics/images/gone.png)\n"
            ),
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert (layout.languages, layout.default_language, layout.default_in_subdir) == (
        ("fr",),
        "en",
        True,
    )
    assert [(f[0], f[3].split(" or ")[0]) for f in findings(tmp_path)] == [
        ("broken-internal-link", "no post at /en/basics/nope"),
        ("broken-internal-link", "no file content/fr/basics/images/gone.png"),
    ]


def test_hugo_theme_files_are_served(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "hugo.toml": "theme = 'plain'\n",
            "themes/plain/static/favicon.png": "png",
            "content/posts/a.md": "![a](/favicon.png) ![b](/gone.png)\n",
        },
    )
    assert [(f[0], f[3].split(" or ")[0]) for f in findings(tmp_path)] == [
        ("broken-internal-link", "no file themes/plain/static/gone.png"),
    ]


def test_hugo_languages_with_their_own_content_folders(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "hugo.toml": (
                "defaultContentLanguage = 'de'\n[languages.de]\ncontentDir = 'inhalt'\n"
                "[languages.en]\ncontentDir = 'content/english'\n"
            ),
            "inhalt/a.md": "[b](/en/b/) [c](/en/c/)\n",
            "content/english/b.md": "b\n",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert [(m.directory.name, m.prefix) for m in layout.mounts] == [
        ("inhalt", "/"),
        ("english", "/en/"),
    ]
    assert [(f[0], f[3]) for f in findings(tmp_path, "inhalt")] == [
        ("broken-internal-link", "no post at /en/c"),
    ]


def test_mdbook(tmp_path: Path) -> None:
    # An mdBook: chapters in [book] src, published as .html, README.md as index.html, every
    # file beside them copied; a run without paths checks the chapters only.
    write(
        tmp_path,
        {
            "book.toml": "[book]\ntitle = 'B'\nsrc = 'text'\n",
            "text/SUMMARY.md": "- [A](a.md)\n  - [Sub](sub/README.md)\n",
            "text/a.md": (
                "[b](b.html#x-y) [c](sub/index.html) ![d](/img/x.png) [e](gone.html) "
                "[f](b.html#nope) [g](../std/index.html)\n"
            ),
            "text/b.md": "## X y\n",
            "text/sub/README.md": "[a](../a.html)\n",
            "text/img/x.png": "png",
            "notes/draft.md": "[x](/nowhere.html)\n",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert (layout.generator, [m.prefix for m in layout.mounts]) == (Generator.MDBOOK, ["/"])
    assert layout.checked == ((tmp_path / "text").resolve(),)
    assert [(f[0], f[1], f[3]) for f in findings(tmp_path) if f[0] != "empty-post"] == [
        ("broken-internal-link", "text/a.md", "no post at /gone"),
        ("missing-anchor", "text/a.md", "no heading or id '#nope' in text/b.md"),
    ]


def test_mkdocs(tmp_path: Path) -> None:
    # MkDocs: pages in docs_dir, Python-Markdown's anchors (GitHub's accepted too: a site may
    # set its own rule), files beside the pages served; mkdocs.yml may hold Python tags.
    write(
        tmp_path,
        {
            "mkdocs.yml": (
                "site_name: S\ndocs_dir: pages\nmarkdown_extensions:\n  - pymdownx.emoji:\n"
                "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
            ),
            "pages/index.md": "# Home\n",
            "pages/guide.md": "## Caret, Mark & Tilde\n## Setup\n## Setup\n## Café\n",
            "pages/a.md": (
                "[a](guide.md#caret-mark-tilde) [b](guide.md#caret-mark--tilde) "
                "[c](guide.md#setup_1) [d](guide.md#setup-1) [e](guide.md#cafe) "
                "[f](guide.md#nope) ![g](img/x.png) ![h](img/gone.png)\n"
            ),
            "pages/img/x.png": "png",
            "README.md": "[x](#nowhere)\n",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert (layout.generator, layout.anchor_style) == (
        Generator.MKDOCS,
        AnchorStyle.PYTHON_MARKDOWN,
    )
    assert layout.checked == ((tmp_path / "pages").resolve(),)
    first_place = {"broken-internal-link": lambda message: message.split(" or ")[0]}
    assert [(f[0], first_place.get(f[0], str)(f[3])) for f in findings(tmp_path)] == [
        ("missing-anchor", "no heading or id '#nope' in pages/guide.md"),
        ("broken-internal-link", "no file pages/img/gone.png"),
    ]


def test_nextjs(tmp_path: Path) -> None:
    # Next.js: `public/` served at the root, `pages/` routed by path; posts loaded by code
    # (`_posts/`, `data/`) have routes the code decides: links to pages it may make are not
    # judged, files are.
    write(
        tmp_path,
        {
            "next.config.mjs": "export default { pageExtensions: ['js', 'mdx'] }\n",
            "pages/about.mdx": "# About\n\n## Team\n",
            "pages/docs/index.mdx": "# Docs\n",
            "pages/docs/setup.mdx": "# Setup\n",
            "pages/guides/one.mdx": "# One\n",
            "pages/guides/[slug].tsx": "export default function Guide() {}\n",
            "_posts/hello.md": (
                "---\ncoverImage: /assets/blog/hello/cover.jpg\n---\n"
                "[a](/about#team) [b](/about#nope) [c](/docs) [d](/posts/other-post) "
                "[g](/docs/gone) [h](/guides/made-by-code) "
                "![e](/assets/blog/hello/cover.jpg) ![f](/assets/blog/hello/gone.jpg)\n"
            ),
            "public/assets/blog/hello/cover.jpg": "jpg",
            "README.md": "[x](/nowhere.png)\n",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert layout.generator is Generator.NEXTJS
    assert layout.static == ((tmp_path / "public").resolve(),)
    assert layout.checked == ((tmp_path / "_posts").resolve(), (tmp_path / "pages").resolve())
    assert post_urls(layout, tmp_path / "pages/about.mdx", {}) == ("/about",)
    assert post_urls(layout, tmp_path / "pages/docs/index.mdx", {}) == ("/docs/",)
    first_place = {"broken-internal-link": lambda message: message.split(" or ")[0]}
    assert [(f[0], f[1], first_place.get(f[0], str)(f[3])) for f in findings(tmp_path)] == [
        ("missing-anchor", "_posts/hello.md", "no heading or id '#nope' in pages/about.mdx"),
        ("broken-internal-link", "_posts/hello.md", "no post at /docs/gone"),
        ("broken-internal-link", "_posts/hello.md", "no file public/assets/blog/hello/gone.jpg"),
    ]


def test_nextjs_posts_in_src_content_and_their_relative_files(tmp_path: Path) -> None:
    # react.dev's layout: posts in `src/content/` served by a catch-all route at their path
    # there, so `../images/x.png` in `src/content/learn/a.md` is `/images/x.png` in `public/`.
    write(
        tmp_path,
        {
            "next.config.js": "module.exports = {}\n",
            "src/pages/[[...markdownPath]].js": "export default function Page() {}\n",
            "src/content/learn/a.md": (
                "# A\n\n![x](../images/x.png) ![y](../images/gone.png) ![z](local.png)\n"
            ),
            "src/content/learn/local.png": "png",
            "public/images/x.png": "png",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert layout.checked[0] == (tmp_path / "src/content").resolve()
    assert [(f[0], f[1], f[3].split(" or ")[0]) for f in findings(tmp_path)] == [
        ("broken-internal-link", "src/content/learn/a.md", "no file src/content/images/gone.png"),
    ]


def test_posts_named_in_reading_order_are_found_by_name_alone(tmp_path: Path) -> None:
    # SvelteKit's documentation (built by another repository) names its files in reading
    # order (`20-load.md`) and links to them by name (`[load](load)`): in a plain folder, a
    # missing page link from such a post finds the one post of that name, whose anchors that
    # site makes. A name two posts share, or a post named otherwise, stays as it was.
    write(
        tmp_path,
        {
            "docs/10-start/10-intro.md": (
                "# Intro\n\n[a](load) [b](./load#any-anchor) [c](../load) [d](nowhere) "
                "[e](twice) [f](#nope)\n"
            ),
            "docs/20-core/20-load.md": "# Load\n",
            "docs/20-core/30-twice.md": "# Twice\n",
            "docs/30-more/10-twice.md": "# Twice again\n",
            "docs/notes.md": "[g](load)\n",
        },
    )
    assert [(f[0], f[1], f[3]) for f in findings(tmp_path, "docs")] == [
        ("broken-internal-link", "docs/10-start/10-intro.md", "no post at /docs/10-start/nowhere"),
        ("missing-anchor", "docs/10-start/10-intro.md", "no heading or id '#nope' in this post"),
        ("broken-internal-link", "docs/notes.md", "no post at /docs/load"),
    ]


def test_a_nextjs_site_in_a_repository_judges_its_own_paths(tmp_path: Path) -> None:
    # At the top of a monorepo, the site's absolute paths are its own; `run apps/site`
    # judges them as the site serves them.
    write(
        tmp_path,
        {
            "apps/site/next.config.mjs": "export default {}\n",
            "apps/site/pages/en/about.mdx": (
                "![logo](/static/logo.svg) ![old](/static/old.svg) [b](/en/blog/x)\n"
            ),
            "apps/site/public/static/logo.svg": "<svg/>",
            "README.md": "See [the site](apps/site/pages/en/about.mdx).\n",
        },
    )
    assert findings(tmp_path, ".") == []
    assert [(f[0], f[3].split(" or ")[0]) for f in findings(tmp_path, "apps/site")] == [
        ("broken-internal-link", "no file apps/site/public/static/old.svg"),
    ]


def test_eleventy(tmp_path: Path) -> None:
    # Eleventy: pages below the input folder, every file there and folders copied to the root
    # served; URLs also set by data files and code, so a missing page is not reported (a
    # permalink of template code is the generator's); anchors by its slugify filter too.
    write(
        tmp_path,
        {
            "eleventy.config.js": (
                "export default function (c) {\n"
                '  c.addPassthroughCopy({ "./public/": "/" });\n'
                '  c.addPassthroughCopy("src/img");\n}\n'
                'export const config = { dir: { input: "src" } };\n'
            ),
            "src/docs/config.md": (
                "# Configuration\n\n"
                '## Using ESM plugins in CommonJS configuration {% addedin "3.0" %}\n'
                "## Caf\u00e9 & Cr\u00e8me\n"
            ),
            "src/blog/2024-01-02-hello.md": (
                "---\npermalink: /blog/{{ page.fileSlug }}/\n---\n"
                "[a](/docs/config/#using-esm-plugins-in-common-js-configuration) "
                "[b](/docs/config/#cafe-and-creme) [c](/docs/config.md#configuration) "
                "[d](/docs/config/#nope) [e](/blog/made-by-data/) "
                "![f](/img/a.png) ![g](/logo.svg) ![h](/img/gone.png)\n"
            ),
            "src/_includes/partial.md": "[x](/nowhere/)\n",
            "src/img/a.png": "png",
            "public/logo.svg": "<svg/>",
            "README.md": "[y](#nowhere)\n",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert (layout.generator, layout.anchor_style) == (Generator.ELEVENTY, AnchorStyle.ELEVENTY)
    assert layout.checked == ((tmp_path / "src").resolve(),)
    assert layout.static == ((tmp_path / "src").resolve(), (tmp_path / "public").resolve())
    assert post_urls(layout, tmp_path / "src/docs/config.md", {}) == ("/docs/config/",)
    templated = {"permalink": "/blog/{{ page.fileSlug }}/"}
    hello = tmp_path / "src/blog/2024-01-02-hello.md"
    assert post_urls(layout, hello, templated) == ("/blog/2024-01-02-hello/",)
    report = run(Settings(offline=True), cwd=tmp_path)
    assert [p.path for p in report.posts] == [
        "src/blog/2024-01-02-hello.md",
        "src/docs/config.md",
    ]
    first_place = {"broken-internal-link": lambda message: message.split(" or ")[0]}
    got = [(f[0], f[1], first_place.get(f[0], str)(f[3])) for f in findings(tmp_path)]
    assert got == [
        (
            "missing-anchor",
            "src/blog/2024-01-02-hello.md",
            "no heading or id '#nope' in src/docs/config.md",
        ),
        ("broken-internal-link", "src/blog/2024-01-02-hello.md", "no file src/img/gone.png"),
    ]


def test_eleventy_copies_renamed_or_from_node_modules_are_the_copies(tmp_path: Path) -> None:
    # addPassthroughCopy({from: to}): the target is where the file is served, whatever the
    # source (a glob, a package not installed, a computed key).
    write(
        tmp_path,
        {
            "eleventy.config.js": (
                "export default function (c) {\n"
                "  c.addPassthroughCopy({\n"
                '    "src/_includes/throbber.css": "css/throbber.css",\n'
                '    "node_modules/chart/chart.{css,js}": `static/`,\n'
                '    [resolve("@x/logo.png")]: "img/logo.png",\n'
                "  });\n}\n"
                'export const config = { dir: { input: "src" } };\n'
            ),
            "src/docs/a.md": (
                "[a](/css/throbber.css) [b](/static/chart.css) [c](/img/logo.png) "
                "[d](/css/gone.css)\n"
            ),
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert layout.copied == ("css/throbber.css", "static/", "img/logo.png")
    assert [(f[0], f[3].split(" or ")[0]) for f in findings(tmp_path)] == [
        ("broken-internal-link", "no file src/css/gone.css"),
    ]


def test_eleventy_copy_objects_left_open_cost_linear_time() -> None:
    text = 'c.addPassthroughCopy({ "a": "b" ' * 100_000
    started = time.process_time()
    assert _eleventy_copies({"": text}) == ()
    assert time.process_time() - started < 1.0


def test_zola(tmp_path: Path) -> None:
    # Zola: `config.toml` with `base_url` (Hugo's is `baseURL`); `@/path.md` links to a file
    # below `content/`; URLs slugified, a leading date left out; its own anchor rule.
    write(
        tmp_path,
        {
            "config.toml": 'base_url = "https://blog.example"\ntitle = "B"\n',
            "content/_index.md": "+++\ntitle = 'Home'\n+++\nHome.\n",
            "content/blog/_index.md": "+++\ntitle = 'Blog'\n+++\nPosts.\n",
            "content/blog/2024-01-02-First Post.md": (
                "[a](@/blog/second.md#some-heading) [b](@/blog/second.md#cafe-ole) "
                "[c](@/blog/second.md#nope) [d](@/blog/missing.md) [e](/blog/first-post/) "
                "[f](/blog/gone/) [g](https://blog.example/blog/second/) ![h](/img/a.png)\n"
            ),
            "content/blog/second.md": "## Some Heading\n## Café Olé\n",
            "static/img/a.png": "png",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert (layout.generator, layout.anchor_style) == (Generator.ZOLA, AnchorStyle.ZOLA)
    assert layout.base_urls == ("https://blog.example",)
    first = tmp_path / "content/blog/2024-01-02-First Post.md"
    assert post_urls(layout, first, {}) == ("/blog/first-post/",)
    assert post_urls(layout, first, {"slug": "hello"}) == ("/blog/hello/",)
    assert post_urls(layout, first, {"path": "notes/one"}) == ("/notes/one/",)
    assert post_urls(layout, tmp_path / "content/blog/_index.md", {}) == ("/blog/",)
    assert [(f[0], f[3]) for f in findings(tmp_path)] == [
        ("missing-anchor", "no heading or id '#nope' in content/blog/second.md"),
        ("broken-internal-link", "no file content/blog/missing.md"),
        ("broken-internal-link", "no post at /blog/gone"),
    ]


def test_zola_anchors_spell_emoji_and_other_scripts_in_ascii(tmp_path: Path) -> None:
    # Zola's slug crate writes 🦀 as "crab" and Cyrillic by sound; dropping what is not ASCII
    # made every link to such a heading a missing anchor.
    write(
        tmp_path,
        {
            "config.toml": 'base_url = "https://blog.example"\n',
            "content/a.md": (
                "## Async work (🦀, 👩\u200d💻)\n## Привет мир\n## 中文\n\n"
                "[a](#async-work-crab-woman-computer) [b](#privet-mir) [c](#zhong-wen) "
                "[d](#async-work)\n"
            ),
        },
    )
    assert [(f[0], f[3]) for f in findings(tmp_path)] == [
        ("missing-anchor", "no heading or id '#async-work' in this post"),
    ]


def test_a_hugo_themes_repository_is_a_plain_folder_with_a_site_in_example_site(
    tmp_path: Path,
) -> None:
    # theme.toml and the theme's hugo.toml, no content/: `linkcheck run` at the top stopped
    # ("content: no such file"); archetypes are templates, not posts with broken frontmatter.
    write(
        tmp_path,
        {
            "theme.toml": 'name = "T"\n',
            "hugo.toml": "[module]\n",
            "archetypes/default.md": '+++\ntitle = {{ replace .Name "-" " " }}\n+++\n',
            "README.md": "[demo](exampleSite/content/posts/a.md)\n",
            "exampleSite/hugo.toml": 'baseURL = "https://demo.example/"\ntheme = "T"\n',
            "exampleSite/content/posts/a.md": "[b](/posts/b/) [c](/posts/nope/)\n",
            "exampleSite/content/posts/b.md": "# B\n",
        },
    )
    assert detect_layout(Settings(), tmp_path).generator is Generator.PLAIN
    report = run(Settings(offline=True), cwd=tmp_path)
    assert report.problems == ()
    assert [f.rule for f in report.findings if f.severity.value != "info"] == []
    assert [(f[0], f[3]) for f in findings(tmp_path, "exampleSite")] == [
        ("broken-internal-link", "no post at /posts/nope"),
    ]


def test_a_hugo_config_toml_is_not_zola(tmp_path: Path) -> None:
    write(tmp_path, {"config.toml": 'baseURL = "https://x.example"\n', "content/a.md": "# A\n"})
    assert detect_layout(Settings(), tmp_path).generator is Generator.HUGO


def test_hexo(tmp_path: Path) -> None:
    # Hexo: `_config.yml` (Jekyll's name too) beside `scaffolds/` and `source/`; posts in
    # `source/_posts` by `permalink`, pages by path; anchors keep their case; `_` folders
    # other than `_posts` hold no pages.
    write(
        tmp_path,
        {
            "_config.yml": "url: https://hexo.example\npermalink: news/:year/:month/:day/:title/\n",
            "scaffolds/post.md": "---\ntitle: {{ title }}\n---\n",
            "source/_posts/hello-world.md": (
                "---\ntitle: Hello\ndate: 2024-03-05\n---\n"
                "[a](/docs/setup#Install-Hexo) [b](/docs/setup.html#install-hexo) "
                "[c](/docs/setup#nope) [d](/docs/gone) [e](/news/2024/03/05/other-post/) "
                "[f](/news/2024/03/05/hello-world/#Hello-World)\n\n## Hello, World\n"
            ),
            "source/docs/setup.md": "## Install Hexo\n",
            "source/docs/index.md": "Docs.\n",
            "source/_drafts/draft.md": "[x](/nowhere)\n",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert (layout.generator, layout.anchor_style) == (Generator.HEXO, AnchorStyle.HEXO)
    assert layout.base_urls == ("https://hexo.example",)
    hello = tmp_path / "source/_posts/hello-world.md"
    assert post_urls(layout, hello, {"date": "2024-03-05"}) == ("/news/2024/03/05/hello-world/",)
    assert post_urls(layout, tmp_path / "source/docs/setup.md", {}) == ("/docs/setup",)
    report = run(Settings(offline=True), cwd=tmp_path)
    assert [p.path for p in report.posts] == [
        "source/_posts/hello-world.md",
        "source/docs/index.md",
        "source/docs/setup.md",
    ]
    assert [(f[0], f[3]) for f in findings(tmp_path)] == [
        ("missing-anchor", "no heading or id '#nope' in source/docs/setup.md"),
        ("broken-internal-link", "no post at /docs/gone"),
    ]


def test_hexo_post_asset_folders(tmp_path: Path) -> None:
    # `post_asset_folder: true`: `_posts/a post.md`'s images in `_posts/a post/`, published
    # beside the post's page, so `![](1.png)` finds them.
    write(
        tmp_path,
        {
            "_config.yml": "post_asset_folder: true\n",
            "scaffolds/post.md": "---\ntitle: {{ title }}\n---\n",
            "source/_posts/a post.md": "---\ndate: 2024-03-05\n---\n![x](1.png) ![y](2.png)\n",
            "source/_posts/a post/1.png": "png",
        },
    )
    assert [(f[0], f[3].split(" or ")[0]) for f in findings(tmp_path)] == [
        ("broken-internal-link", "no file source/_posts/2.png"),
    ]


def test_a_jekyll_site_of_pages_alone_is_checked_whole(tmp_path: Path) -> None:
    # No `_posts/`: `linkcheck run` checks the project's pages (it stopped: "content: no
    # such file"), not the folders Jekyll builds no page from.
    write(
        tmp_path,
        {
            "_config.yml": "title: Docs\n",
            "index.md": "[a](/docs/guide.html) [b](/docs/gone.html)\n",
            "docs/guide.md": "# Guide\n",
            "_includes/note.md": "[x](/nowhere.png)\n",
        },
    )
    report = run(Settings(offline=True), cwd=tmp_path)
    assert [p.path for p in report.posts] == ["docs/guide.md", "index.md"]
    assert [(f.rule, f.message) for f in report.findings] == [
        ("broken-internal-link", "no post at /docs/gone"),
    ]


def test_jekyll_keeps_its_config_name(tmp_path: Path) -> None:
    write(tmp_path, {"_config.yml": "title: J\n", "source/a.md": "# A\n", "_posts/x.md": "x\n"})
    assert detect_layout(Settings(), tmp_path).generator is Generator.JEKYLL


def test_vuepress(tmp_path: Path) -> None:
    # VuePress (Nushell's site): `.vuepress/config.js` in the source folder, pages at
    # `/<path>.html` (README.md its folder's), `.vuepress/public/` at the root, and the
    # same anchor rule as VitePress's (components in a heading are no text).
    write(
        tmp_path,
        {
            ".vuepress/config.js": "export default defineUserConfig({})\n",
            ".vuepress/public/logo.svg": "<svg/>",
            "book/README.md": "# Book\n",
            "book/pipelines.md": "## Pipeline input <JumpToc/>\n",
            "blog/a.md": (
                "[a](/book/pipelines.html#pipeline-input) [b](../book/pipelines.md#nope) "
                "[c](/book/) [d](/book/gone.html) ![e](/logo.svg)\n"
            ),
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert (layout.generator, layout.anchor_style) == (Generator.VUEPRESS, AnchorStyle.VITEPRESS)
    assert post_urls(layout, tmp_path / "book/pipelines.md", {}) == ("/book/pipelines",)
    assert [(f[0], f[3]) for f in findings(tmp_path)] == [
        ("missing-anchor", "no heading or id '#nope' in book/pipelines.md"),
        ("broken-internal-link", "no post at /book/gone"),
    ]


def test_vitepress_links_to_a_folders_index_by_its_name(tmp_path: Path) -> None:
    # `[guide](./index)` in VitePress is the folder's page (`guide/index.md` at `/guide/`).
    write(
        tmp_path,
        {
            ".vitepress/config.mts": "export default defineConfig({})\n",
            "guide/index.md": "# Guide\n",
            "guide/why.md": "[a](./index) [b](/guide/index#guide) [c](./index#nope) [d](./gone)\n",
        },
    )
    assert [(f[0], f[3]) for f in findings(tmp_path)] == [
        ("missing-anchor", "no heading or id '#nope' in guide/index.md"),
        ("broken-internal-link", "no post at /guide/gone"),
    ]


def test_vitepress(tmp_path: Path) -> None:
    # VitePress: `.vitepress/config.*` in the docs folder, `public/` at the root, a rewrite
    # that moves a folder (`'en/:rest*': ':rest*'`), its own anchor rule (components in a
    # heading are no text).
    write(
        tmp_path,
        {
            "docs/.vitepress/config.mts": (
                "export default defineConfig({\n  rewrites: {\n    'en/:rest*': ':rest*'\n  },\n"
                "  cleanUrls: true,\n})\n"
            ),
            "docs/en/guide/intro.md": (
                "[a](../reference/api#usedata) [b](/reference/api#_2-0-changes) "
                "[c](/reference/api#nope) [d](/guide/gone) ![e](/logo.svg)\n"
            ),
            "docs/en/reference/api.md": (
                '## `useData` <Badge type="info" text="composable" />\n## 2.0 Changes\n'
            ),
            "docs/public/logo.svg": "<svg/>",
            "README.md": "[x](docs/en/guide/intro.md)\n",
        },
    )
    layout = detect_layout(Settings(paths=("docs",)), tmp_path)
    assert (layout.generator, layout.anchor_style) == (Generator.VITEPRESS, AnchorStyle.VITEPRESS)
    assert layout.static == ((tmp_path / "docs/public").resolve(),)
    intro = tmp_path / "docs/en/guide/intro.md"
    assert post_urls(layout, intro, {}) == ("/guide/intro",)
    assert [(f[0], f[3]) for f in findings(tmp_path, "docs")] == [
        ("missing-anchor", "no heading or id '#nope' in docs/en/reference/api.md"),
        ("broken-internal-link", "no post at /guide/gone"),
    ]
    assert findings(tmp_path, ".") == []  # at the top, the site's paths are its own


def test_pelican_internal_links(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pelicanconf.py": "PATH = 'content'\n",
            "content/posts/a.md": (
                "Title: A\n\n[b]({filename}/posts/b.md) [b2]({filename}b.md) [o](|filename|b.md) "
                "[h]({filename}/posts/b.md#part) [x]({filename}/posts/b.md#nope) "
                "[c]({filename}/posts/gone.md) ![i]({static}/images/x.png) "
                "![j]({attach}../images/gone.png) [t]({tag}python) [i]({index})\n"
            ),
            "content/posts/b.md": "Title: B\n\n## Part\n",
            "content/images/x.png": "png",
        },
    )
    first_place = {"broken-internal-link": lambda message: message.split(" or ")[0]}
    assert [(f[0], first_place.get(f[0], str)(f[3])) for f in findings(tmp_path)] == [
        ("missing-anchor", "no heading or id '#nope' in content/posts/b.md"),
        ("broken-internal-link", "no file content/posts/gone.md"),
        ("broken-internal-link", "no file content/images/gone.png"),
    ]


def test_a_site_without_its_content_folder_is_checked_as_a_folder(tmp_path: Path) -> None:
    # Nuxt's own repository: a `nuxt.config.ts` at the top for its playground, no
    # `content/`, the documentation in `docs/`. `linkcheck run` checks the project's posts
    # instead of stopping at the missing `content/`.
    write(
        tmp_path,
        {
            "nuxt.config.ts": "export default defineNuxtConfig({})\n",
            "docs/1.guide/1.intro.md": "# Intro\n\n![x](gone.png) [a](#intro)\n",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert (layout.generator, layout.checked) == (Generator.NUXT, (tmp_path.resolve(),))
    assert [(f[0], f[1]) for f in findings(tmp_path)] == [
        ("broken-internal-link", "docs/1.guide/1.intro.md"),
    ]


def test_nuxt_content(tmp_path: Path) -> None:
    # Nuxt Content: pages below `content/` without their number prefixes, `public/` at the root.
    write(
        tmp_path,
        {
            "nuxt.config.ts": "export default defineNuxtConfig({ modules: ['@nuxt/content'] })\n",
            "content/docs/1.getting-started/1.index.md": "# Start\n\n## Install\n",
            "content/docs/1.getting-started/2.installation.md": "# Installation\n",
            "content/blog/launch.md": (
                "[a](/docs/getting-started#install) [b](/docs/getting-started/installation) "
                "[c](/docs/getting-started/gone) ![d](/blog/cover.webp) ![e](/blog/lost.webp)\n"
            ),
            "public/blog/cover.webp": "webp",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert layout.generator is Generator.NUXT
    index = tmp_path / "content/docs/1.getting-started/1.index.md"
    assert post_urls(layout, index, {}) == ("/docs/getting-started",)
    first_place = {"broken-internal-link": lambda message: message.split(" or ")[0]}
    assert [(f[0], first_place.get(f[0], str)(f[3])) for f in findings(tmp_path)] == [
        ("broken-internal-link", "no post at /docs/getting-started/gone"),
        ("broken-internal-link", "no file public/blog/lost.webp"),
    ]


def test_bridgetown(tmp_path: Path) -> None:
    # Bridgetown: `src/` is the site (its files served at the root); collections and
    # permalinks set the URLs, so a missing page is not reported; layouts hold no pages.
    write(
        tmp_path,
        {
            "bridgetown.config.yml": "url: https://bt.example\npermalink: simple\n",
            "src/_posts/2024/2024-01-02-hello.md": (
                "![a](/images/a.png) ![b](/images/gone.png) [c](/docs/anything/) [d](#nope)\n"
            ),
            "src/_layouts/default.md": "[x](/nowhere.png)\n",
            "src/images/a.png": "png",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    assert layout.generator is Generator.BRIDGETOWN
    first_place = {"broken-internal-link": lambda message: message.split(" or ")[0]}
    assert [(f[0], f[1], first_place.get(f[0], str)(f[3])) for f in findings(tmp_path)] == [
        (
            "broken-internal-link",
            "src/_posts/2024/2024-01-02-hello.md",
            "no file src/images/gone.png",
        ),
        (
            "missing-anchor",
            "src/_posts/2024/2024-01-02-hello.md",
            "no heading or id '#nope' in this post",
        ),
    ]


def test_myst_targets_are_anchors_of_the_whole_project(tmp_path: Path) -> None:
    # MyST (Sphinx, Jupyter Book): `(label)=` and a directive's `:label:`/`:name:` name
    # targets that any page links to as `#label`, or as `label` alone.
    write(
        tmp_path,
        {
            "docs/intro.md": (
                "[a](#syntax/referencing) [b](guide.md#code:config) [c](syntax/referencing) "
                "[d](#nope) [e](nowhere)\n"
            ),
            "docs/guide.md": (
                "(syntax/referencing)=\n# Referencing\n\n"
                "```{code-block} yaml\n:label: code:config\n:name: other-name\na: 1\n```\n"
            ),
        },
    )
    assert [(f[0], f[3]) for f in findings(tmp_path, "docs")] == [
        ("missing-anchor", "no heading or id '#nope' in this post"),
        ("broken-internal-link", "no post at /docs/nowhere"),
    ]


@pytest.mark.parametrize("aliases", [False, True])
def test_docsify(tmp_path: Path, aliases: bool) -> None:
    # docsify: `index.html` configures `window.$docsify`; the folder is the site; `?id=x`
    # and `#/page` are its anchors and routes; `## T :id=x` gives an id; with `alias`,
    # missing pages may be served from elsewhere.
    config = "alias: { '/changelog': 'https://x.example/CHANGELOG.md' }," if aliases else ""
    write(
        tmp_path,
        {
            "docs/index.html": f"<script>window.$docsify = {{ {config} name: 'd' }}</script>\n",
            "docs/README.md": "# Home\n",
            "docs/guide.md": "## Theme Color :id=themecolor\n## Setup\n",
            "docs/intro.md": (
                "[a](guide?id=themecolor) [b](guide.md?id=setup) [c](#/guide?id=nope) "
                "[d](changelog.md) ![e](/_media/logo.svg) ![f](/_media/gone.svg)\n"
            ),
            "docs/_media/logo.svg": "<svg/>",
        },
    )
    layout = detect_layout(Settings(paths=("docs",)), tmp_path)
    assert (layout.generator, layout.routes_by_code) == (Generator.DOCSIFY, aliases)
    first_place = {"broken-internal-link": lambda message: message.split(" or ")[0]}
    expected = [
        ("missing-anchor", "no heading or id '#nope' in docs/guide.md"),
        *([] if aliases else [("broken-internal-link", "no file docs/changelog.md")]),
        ("broken-internal-link", "no file docs/_media/gone.svg"),
    ]
    assert [(f[0], first_place.get(f[0], str)(f[3])) for f in findings(tmp_path, "docs")] == (
        expected
    )


@pytest.mark.parametrize("ids", [True, False])
def test_hugo_definition_terms_have_ids_when_configured(tmp_path: Path, ids: bool) -> None:
    setting = f"[markup.goldmark.parser]\nautoDefinitionTermID = {str(ids).lower()}\n"
    write(
        tmp_path,
        {
            "hugo.toml": f'baseURL = "https://h.example/"\n{setting}',
            "content/docs/deploy.md": (
                "`confirm`\n: Whether to ask.\n\n"
                "`matchers`\n: A slice of [matchers](#matchers-1).\n\n"
                "## Matchers\n\n```text\nnot-a-term\n: inside code\n```\n"
            ),
            "content/docs/other.md": "[a](/docs/deploy/#confirm) [b](/docs/deploy/#not-a-term)\n",
        },
    )
    expected = [("missing-anchor", "no heading or id '#not-a-term' in content/docs/deploy.md")]
    if not ids:
        expected = [
            ("missing-anchor", "no heading or id '#matchers-1' in this post"),
            ("missing-anchor", "no heading or id '#confirm' in content/docs/deploy.md"),
            *expected,
        ]
    assert [(f[0], f[3]) for f in findings(tmp_path)] == expected


def test_a_book_whose_chapters_are_made_at_build_time_is_a_plain_folder(tmp_path: Path) -> None:
    write(tmp_path, {"book.toml": "[book]\ntitle = 'B'\n", "text/a.md": "# A\n"})
    assert detect_layout(Settings(), tmp_path).generator is Generator.PLAIN


@pytest.mark.parametrize(
    "include",
    [
        '--8<-- "CONTRIBUTING.md"',
        "::: mkdocs-click",
        "{{#include ../listings/a.md}}",
        "{% include_relative part.md %}",
        '{{% include "/_common/settings.md" %}}',
        "import Part from './_part.mdx';",
        "<!--@include: ./parts/basics.md-->",
    ],
)
def test_a_page_that_takes_in_other_text_has_any_anchor(tmp_path: Path, include: str) -> None:
    # The included text's headings are the page's too: its anchors are not all in its file.
    write(
        tmp_path,
        {
            "content/a.md": f"# A\n\n{include}\n\n[x](#from-the-part)\n",
            "content/b.md": "[y](a.md#also-from-the-part) [z](c.md#nope)\n",
            "content/c.md": "# C\n",
        },
    )
    assert [(f[0], f[3]) for f in findings(tmp_path)] == [
        ("missing-anchor", "no heading or id '#nope' in content/c.md"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        "<script setup>\nimport Examples from './Examples.vue'\n</script>\n\n<Examples />\n",
        "import DocCardList from '@theme/DocCardList';\n\n<DocCardList/>\n",
        "{{% glossary %}}\n",  # Hugo's docs: a shortcode writes every term of the glossary
        "{{< terms >}}\n",
        "{% for term in site.data.terms %}<dt>{{ term.name }}</dt>{% endfor %}\n",
    ],
)
def test_a_page_drawn_by_code_has_any_anchor(tmp_path: Path, body: str) -> None:
    # A page with no heading nor id of its own, drawn by a component or a script (a page of
    # examples, an index of cards): its anchors are made when the site is built.
    write(
        tmp_path,
        {
            "content/examples.mdx": body,
            "content/c.md": "# C\n\nSee <Note /> below.\n",
            "content/b.md": "[x](examples.mdx#modal) [y](c.md#nope)\n",
        },
    )
    assert [(f[0], f[3]) for f in findings(tmp_path)] == [
        ("missing-anchor", "no heading or id '#nope' in content/c.md"),
    ]


def test_a_path_through_a_build_alias_is_not_judged(tmp_path: Path) -> None:
    # VuePress's `@[code](@snippets/a.sh)` and Docusaurus's `@site/static/a.png` name files
    # through an alias of the build; a folder really named `@x` beside the post is a folder.
    write(
        tmp_path,
        {
            "content/a.md": (
                "@[code](@snippets/a.sh) ![b](@site/static/b.png) [c](@x/here.md) [d](@x/gone.md)\n"
            ),
            "content/@x/here.md": "# Here\n",
        },
    )
    assert [(f[0], f[3]) for f in findings(tmp_path)] == [
        ("broken-internal-link", "no file content/@x/gone.md"),
    ]


def test_links_holding_template_code_are_not_judged(tmp_path: Path) -> None:
    # Jekyll and Hugo fill ``{{ }}`` and ``{% %}`` when they build. No generator fills a
    # ``%%NAME%%`` placeholder (another checker's own): that one stays a finding
    # (test_a_placeholder_is_shown_as_written).
    write(
        tmp_path,
        {
            "content/a.md": (
                "[a]({{ site.baseurl }}/x) [b]({% post_url 2024-01-01-x %}) [d](/gone.png)\n"
            ),
        },
    )
    assert [(f[0], f[3].split(" or ")[0]) for f in findings(tmp_path)] == [
        ("broken-internal-link", "no file content/gone.png"),
    ]


def test_web_addresses_holding_template_code_are_neither_judged_nor_fetched(
    tmp_path: Path,
) -> None:
    # Eleventy's Nunjucks and Hugo's shortcodes fill them when the site is built: they were
    # malformed URLs (a blank inside), or fetched as written.
    write(
        tmp_path,
        {
            "content/a.md": (
                '<img src="https://shots.example/{{ url | urlencode }}/og/">\n'
                "[v](https://github.com/o/r/releases/tag/v{{% param version %}})\n"
                "[w](https://docs.example/{{page.slug}}/) <img src='https://bad.example/a b'>\n"
            ),
        },
    )
    assert [(f[0], f[2], f[3]) for f in findings(tmp_path)] == [
        ("malformed-url", 3, "malformed URL: unescaped whitespace"),
    ]
    assert not is_checkable("https://docs.example/{{page.slug}}/")


# ---------------------------------------------------------------------------
# A site in a folder of the repository
# ---------------------------------------------------------------------------

NESTED_DOCUSAURUS = {
    "README.md": "[docs](website/blog/2024-01-02-hi.md)\n",
    "website/docusaurus.config.js": "module.exports = { url: 'https://d.example' };\n",
    "website/static/img/a.png": "png",
    "website/docs/intro.md": "## Setup\n",
    "website/blog/2024-01-02-hi.md": (
        "![a](/img/a.png) [b](/docs/intro#setup) [c](/docs/nope) ![d](/img/gone.png)\n"
    ),
}


def test_paths_inside_a_site_folder_are_judged_as_that_site(tmp_path: Path) -> None:
    # ``linkcheck run website/`` from the top of a repository: the site's static files and
    # URLs, not the repository's folders.
    write(tmp_path, NESTED_DOCUSAURUS)
    for paths in (("website",), ("website/blog",), ("website/blog/2024-01-02-hi.md",)):
        settings = Settings(offline=True).with_overrides({"paths": paths})
        layout = detect_layout(settings, tmp_path)
        assert (layout.generator, layout.root) == (Generator.DOCUSAURUS, tmp_path / "website")
        assert [(f[0], f[3]) for f in findings(tmp_path, *paths)] == [
            ("broken-internal-link", "no post at /docs/nope"),
            (
                "broken-internal-link",
                "no file website/static/img/gone.png or website/docs/img/gone.png "
                "or website/blog/img/gone.png",
            ),
        ]


def test_a_site_in_a_folder_is_not_judged_as_the_plain_folder_around_it(tmp_path: Path) -> None:
    # ``linkcheck run`` at the top of a repository whose site is in website/: the site's
    # absolute paths and page names mean what the site makes of them, not folders of the
    # repository; its files beside the posts and its anchors are still checked.
    write(
        tmp_path,
        {
            **NESTED_DOCUSAURUS,
            "website/blog/2024-01-03-more.md": (
                "[p](other-page) ![f](./gone.png) [a](#nope) [r](/docs/nowhere) [t](#term)\n"
                "\nTerm\n: Its definition (the site may give terms ids, as Hugo's docs do).\n"
            ),
            "notes/a.md": "[x](/notes/nowhere) [t](#term)\n\nTerm\n: Not an id on GitHub.\n",
        },
    )
    assert detect_layout(Settings(), tmp_path).generator is Generator.PLAIN
    assert [(f[0], f[1], f[3]) for f in findings(tmp_path, ".")] == [
        ("broken-internal-link", "notes/a.md", "no post at /notes/nowhere"),
        ("missing-anchor", "notes/a.md", "no heading or id '#term' in this post"),
        (
            "broken-internal-link",
            "website/blog/2024-01-03-more.md",
            "no file website/blog/gone.png",
        ),
        (
            "missing-anchor",
            "website/blog/2024-01-03-more.md",
            "no heading or id '#nope' in this post",
        ),
    ]


def test_a_users_pages_site_shares_its_address_with_the_owners_other_sites(tmp_path: Path) -> None:
    # `<owner>.github.io` serves the owner's other repositories' Pages sites at /<repository>/:
    # a first folder nothing of this site serves is one of them. Paths under a folder the
    # site serves (its images, its posts' years) are still judged.
    root = tmp_path / "owner.github.io"
    write(
        root,
        {
            "_config.yml": "url: https://owner.example\n",
            "images/a.png": "png",
            "_posts/2024-01-02-a.md": (
                "![x](https://owner.example/project/shot.png) [y](/other-project/) "
                "![z](/images/gone.png) [w](/2024/01/03/nope/) ![v](/images/a.png)\n"
            ),
        },
    )
    assert [(f[0], f[3].split(" or ")[0]) for f in findings(root)] == [
        ("broken-internal-link", "no file images/gone.png"),
        ("broken-internal-link", "no post at /2024/01/03/nope"),
    ]
    (tmp_path / "site").mkdir()
    for path in root.iterdir():
        path.rename(tmp_path / "site" / path.name)
    in_a_project_site = [f[3].split(" or ")[0] for f in findings(tmp_path / "site")]
    assert in_a_project_site[0] == "no file project/shot.png"  # only its own paths are served


def test_a_jekyll_site_in_docs_is_judged_as_github_pages_serves_it(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "docs/_config.yml": "permalink: pretty\n",
            "docs/_posts/2024-01-02-a.md": "[b](/2024/01/03/b/) [c](/2024/01/04/c/)\n",
            "docs/_posts/2024-01-03-b.md": "b\n",
        },
    )
    assert [(f[0], f[3]) for f in findings(tmp_path, "docs")] == [
        ("broken-internal-link", "no post at /2024/01/04/c"),
    ]


@pytest.mark.parametrize(
    ("paths", "overrides"),
    [
        (("website", "README.md"), {}),  # posts of the site and of the repository
        (("website",), {"generator": "plain"}),
        (("website",), {"static_dirs": ("assets",)}),
    ],
)
def test_the_working_directory_stays_the_site(
    tmp_path: Path, paths: tuple[str, ...], overrides: dict[str, object]
) -> None:
    write(tmp_path, NESTED_DOCUSAURUS)
    settings = Settings(offline=True).with_overrides({"paths": paths, **overrides})
    assert detect_layout(settings, tmp_path).root == tmp_path.resolve()


def test_a_site_at_the_working_directory_is_never_left(tmp_path: Path) -> None:
    write(tmp_path, {**NESTED_DOCUSAURUS, "hugo.toml": "baseURL = 'https://h.example/'\n"})
    settings = Settings(offline=True).with_overrides({"paths": ("website",)})
    layout = detect_layout(settings, tmp_path)
    assert (layout.generator, layout.root) == (Generator.HUGO, tmp_path.resolve())


# ---------------------------------------------------------------------------
# Destinations renderers drop, images, empty posts
# ---------------------------------------------------------------------------


def test_file_javascript_and_data_links_are_findings(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "content/a.md": (
                "[local](file:///home/me/draft.png) [run](javascript:alert(1)) "
                "[d](data:text/html,hi) ![ok](data:image/png;base64,AAAA) "
                '<img src="data:image/gif;base64,R0">\n'
            ),
        },
    )
    assert [(f[0], f[3]) for f in findings(tmp_path)] == [
        ("local-file-link", "a file: URL opens a file on the writer's computer, not the web"),
        ("script-link", "a javascript: link runs code instead of leading anywhere"),
        ("data-link", "a data: link: browsers refuse to open one from a page"),
    ]


def test_images_are_never_citations(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "content/a.md": (
                '<img src="https://img.example/a.png" srcset="https://img.example/b.png 2x">\n\n'
                "![c](https://img.example/c.png) [cited](https://paper.example/x)\n\n"
                "## Resources\n\n- [paper](https://paper.example/x)\n"
            ),
        },
    )
    assert findings(tmp_path) == []


def test_an_empty_post_is_an_info_finding(tmp_path: Path) -> None:
    write(tmp_path, {"content/a.md": "", "content/b.md": "---\ntitle: only\n---\n"})
    report = run(Settings(offline=True), cwd=tmp_path)
    assert [(f.rule, f.severity.value, f.location.path) for f in report.findings] == [
        ("empty-post", "info", "content/a.md"),
        ("empty-post", "info", "content/b.md"),
    ]
    assert report.problems == ()


def test_an_unreadable_post_that_is_not_checked_is_still_a_page(tmp_path: Path) -> None:
    write(tmp_path, {"content/blog/a.md": "[b](/blog/b#any) [c](/blog/c)\n"})
    (tmp_path / "content/blog/b.md").write_bytes(b"binary\x00")
    report = run(Settings(offline=True, paths=("content/blog/a.md",)), cwd=tmp_path)
    assert [(f.rule, f.message) for f in report.findings] == [
        ("broken-internal-link", "no post at /blog/c"),
    ]
    assert report.problems == ()


def test_a_checked_post_that_could_not_be_read_is_not_read_again_for_the_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"content/blog/a.md": "[b](/blog/b#any) [c](/blog/c)\n"})
    (tmp_path / "content/blog/b.md").write_bytes(b"binary\x00")
    reads: list[str] = []
    real = discover_module.read_document

    def counted(path: Path, **options: Any) -> Document:
        reads.append(path.name)
        return real(path, **options)

    monkeypatch.setattr(collect_module, "read_document", counted)
    report = run(Settings(offline=True), cwd=tmp_path)
    assert sorted(reads) == ["a.md", "b.md"]
    assert [(f.rule, f.message) for f in report.findings] == [
        ("broken-internal-link", "no post at /blog/c"),
    ]
    assert [p.path for p in report.problems] == ["content/blog/b.md"]


def test_jekyll_collections_and_kramdown_block_ids(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "_config.yml": (
                "url: https://docs.example\ncollections:\n"
                "  posts:\n    permalink: /news/:year/:month/:day/:title/\n"
                "  docs:\n    permalink: /:collection/:path/\n    output: true\n"
            ),
            "_docs/guide/history.md": "## 1.0.0 / 2013-05-06\n{: #v1-0-0}\n\nText.\n",
            "_posts/2016-04-19-one-released.md": "---\ntitle: One\n---\nx\n",
            "_posts/2016-05-18-two.md": (
                "[1](/news/2016/04/19/one-released/) [h](/docs/guide/history/#v1-0-0) "
                "[own](https://docs.example/news/2016/04/19/one-released/) "
                "[bad](/news/2016/04/20/nope/)\n"
            ),
        },
    )
    assert findings(tmp_path) == [
        ("broken-internal-link", "_posts/2016-05-18-two.md", 1, "no post at /news/2016/04/20/nope"),
    ]


def test_jekyll_renders_html_pages_and_collection_documents_of_any_kind(tmp_path: Path) -> None:
    # Jekyll renders every file that starts with front matter: a collection's `.txt`
    # documents are pages at the collection's permalink, and so are HTML pages. Files in
    # `_` folders (but a collection's), or without front matter, are no pages.
    write(
        tmp_path,
        {
            "_config.yml": (
                "collections:\n  licenses:\n    output: true\n    permalink: /licenses/:path/\n"
            ),
            "_licenses/mit.txt": "---\ntitle: MIT\n---\nPermission is granted.\n",
            "_licenses/notes.txt": "No front matter: copied as it is.\n",
            "_includes/gpl.html": "---\npermalink: /licenses/gpl/\n---\n",
            "people/team.html": "---\npermalink: /licenses/team/\n---\n<h1 id='x'>T</h1>\n",
            "about.md": (
                "---\npermalink: /licenses/none/\n---\n[a](/licenses/mit/) "
                "[b](/licenses/gpl/) [c](/licenses/notes/) [d](/licenses/team/#anything)\n"
            ),
        },
    )
    assert [(f[0], f[3]) for f in findings(tmp_path)] == [
        ("broken-internal-link", "no post at /licenses/gpl"),
        ("broken-internal-link", "no post at /licenses/notes"),
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_jekyll_pages_that_are_not_regular_files_are_never_opened(tmp_path: Path) -> None:
    write(tmp_path, {"_config.yml": "title: x\n", "about.md": "[a](/x/y/)\n"})
    os.mkfifo(tmp_path / "page.html")  # opening it for reading would wait for a writer
    (tmp_path / "loop.html").symlink_to(tmp_path / "loop.html")
    write(tmp_path, {"big.html": "---\ntitle: x\n" + "a: b\n" * 100_000})  # never closed
    assert findings(tmp_path) == []


def test_a_plain_folder_without_content_is_checked_whole(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"README.md": "[g](docs/guide.md#setup) [x](#nope)\n", "docs/guide.md": "## Setup\n"},
    )
    assert findings(tmp_path) == [
        ("missing-anchor", "README.md", 1, "no heading or id '#nope' in this post"),
    ]


def test_links_to_the_sites_own_address_are_internal_and_not_fetched(tmp_path: Path) -> None:
    from linkcheck.app import Planner
    from linkcheck.collect import collect

    write(
        tmp_path,
        {
            "content/blog/a.md": (
                "[b](https://www.blog.example/blog/b/#two) [gone](http://blog.example/blog/x) "
                "[web](https://other.example/p)\n"
            ),
            "content/blog/b.md": "## Two\n",
        },
    )
    settings = Settings(offline=True, base_url="https://blog.example/")
    assert findings(tmp_path, base_url="https://blog.example/") == [
        ("broken-internal-link", "content/blog/a.md", 1, "no post at /blog/x"),
    ]
    layout = detect_layout(settings, tmp_path)
    planner = Planner(settings, layout)
    fetched = planner.add(collect(settings, cwd=tmp_path).posts)
    assert fetched == ["https://other.example/p"]
    assert {r.reason for r in planner.skipped_results().values()} == {"the site's own address"}


def test_hugo_translations_are_published_under_their_language(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "hugo.yaml": "baseURL: https://x.example/\nlanguages: {en: {weight: 1}, fr: {}}\n",
            "content/posts/a.md": "## Hi\n",
            "content/posts/a.fr.md": "## Salut\n\n[en](/posts/a/#hi) [fr](/fr/posts/a/#salut)\n",
        },
    )
    layout = detect_layout(Settings(), tmp_path)
    root = tmp_path.resolve()
    assert post_urls(layout, root / "content/posts/a.fr.md", {}) == ("/fr/posts/a/",)
    assert post_urls(layout, root / "content/posts/a.md", {}) == ("/posts/a/",)
    assert findings(tmp_path) == []


def test_jekyll_folders_below_posts_are_not_categories(tmp_path: Path) -> None:
    write(tmp_path, {"_config.yml": "permalink: pretty\n"})
    layout = detect_layout(Settings(), tmp_path)
    root = tmp_path.resolve()
    assert post_urls(layout, root / "_posts/2020/2020-01-02-x.md", {}) == ("/2020/01/02/x/",)
    assert post_urls(layout, root / "blog/_posts/2020-01-02-x.md", {}) == ("/blog/2020/01/02/x/",)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "//evil.example/x",
        "/%",
        "/%zz/a.png",
        "../../../../../../etc/passwd",
        "/a/../../b.pdf",
        "#",
        "?q=1",
        "./",
        "..",
        "/blog/a.md#",
        "C:\\\\x.png",
        "/" + "a/" * 200,
        "\u00e9t\u00e9.png",
    ],
)
def test_odd_internal_links_never_raise(tmp_path: Path, url: str) -> None:
    write(tmp_path, {"content/blog/a.md": f"[x]({url})\n"})
    report = run(Settings(offline=True), cwd=tmp_path)
    assert all(
        f.rule in {"broken-internal-link", "missing-anchor", "malformed-url"}
        for f in report.findings
    )


def test_files_outside_the_project_are_never_looked_at(tmp_path: Path) -> None:
    project = tmp_path / "blog"
    write(tmp_path, {"secret.png": "x", "blog/content/a.md": "![s](../../secret.png)\n"})
    assert [f[0] for f in findings(project)] == ["broken-internal-link"]


def test_files_and_folders_a_plain_site_publishes_are_not_missing_posts(tmp_path: Path) -> None:
    """A plain folder (GitHub) or Jekyll publishes its other files as they are: a link to an
    HTML page, a file without extension or a folder that exists is not a missing post."""
    write(
        tmp_path,
        {
            "docs/a.md": (
                "[h](page.html#x) [f](notes#x) [d](sub/) [d2](sub) [d3](sub/#x) "
                "[gone](nothing/) [gone2](nothing)\n"
            ),
            "docs/page.html": "<p id=x>x</p>\n",
            "docs/notes": "x\n",
            "docs/sub/index.html": "<p>x</p>\n",
        },
    )
    assert findings(tmp_path) == [
        ("broken-internal-link", "docs/a.md", 1, "no post at /docs/nothing"),
        ("broken-internal-link", "docs/a.md", 1, "no post at /docs/nothing"),
    ]
