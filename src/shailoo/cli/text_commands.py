"""Text commands: terms, ngrams, kwic, assoc, clusters, topics, detect-language, stopwords.

Each command parses options, calls one function of `shailoo.analysis.text_*` and prints.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from shailoo.cli.common import OutputOptions, print_table, progress, read_lines, table_command, workspace_option
from shailoo.cli.common import open_workspace as _open_for_caches
from shailoo.cli.options import examples
from shailoo.cli.filters import ActorOpt as Actor
from shailoo.cli.filters import AllOpt, SinceOpt, UntilOpt, join_notes, scoped_filter
from shailoo.cli.filters import CategoryOpt as Category
from shailoo.cli.filters import PeriodOpt as Period
from shailoo.cli.filters import PlatformOpt as Platform
from shailoo.store.workspace import open_workspace as _open

Top = Annotated[int, typer.Option("-n", "--limit", "--top", help="How many rows to show (per group); 0 for all.",
                                  min=0)]
NoStop = Annotated[bool, typer.Option("--no-stopwords", help="Keep stopwords (switch stopword removal off).")]
NoStem = Annotated[bool, typer.Option("--no-stem", help="Count words as written, without stemming.")]
Language = Annotated[str | None, typer.Option(
    "--language", help="Process every post as this language (ru, ky, kk, uz, en) instead of identifying each post's.")]
Kinds = Annotated[str, typer.Option("--kinds", help="Token kinds to count, comma-separated: word, number, time, "
                                                    "hashtag, mention, url, email, emoji.")]
MinLength = Annotated[int, typer.Option("--min-length", help="Drop words shorter than this many letters (R tm's "
                                                             "wordLengths lower bound; tm's own default is 3).")]


def open_workspace(path):
    """Text commands cache post languages in the workspace when they may write it, in memory when not
    (read-only, or held open for reading by another program such as a notebook)."""
    return _open_for_caches(path, read_only=None)


def _filter(ws, platform, period, category, actor, since, until, all_posts):
    """(PostFilter with the default scope, the scope sentence), as every analysis command."""
    return scoped_filter(ws, period, platform, category, actor, since, until, all_posts)


def _options(language, no_stopwords, no_stem, kinds="word", min_length=2):
    from shailoo.text.pipeline import TextOptions

    return TextOptions(language=language, stop_words=not no_stopwords, stem=not no_stem,
                       kinds=tuple(k.strip() for k in kinds.split(",") if k.strip()), min_chars=min_length)


@table_command
def terms_cmd(workspace: workspace_option = None, by: Annotated[str, typer.Option(
        "--by", help="Group by none, platform, period, category, actor, language, week or day.")] = "none",
        top: Top = 20, platform: Platform = None, period: Period = None, category: Category = None,
        actor: Actor = None, since: SinceOpt = None, until: UntilOpt = None,
        all_posts: AllOpt = False, no_stopwords: NoStop = False, no_stem: NoStem = False, language: Language = None,
        kinds: Kinds = "word", min_length: MinLength = 2, out: OutputOptions = None) -> None:
    """Count the most frequent terms with count (occurrences) and support (posts)."""
    from shailoo.analysis.text_terms import terms

    ws = open_workspace(workspace)
    flt, scope = _filter(ws, platform, period, category, actor, since, until, all_posts)
    with progress("Counting terms…"):
        r = terms(ws, flt, _options(language, no_stopwords, no_stem, kinds, min_length), by, top)
    print_table(r.table, out, title="Terms", note=join_notes(scope, r.note))


@table_command
def ngrams_cmd(workspace: workspace_option = None,
               n: Annotated[int, typer.Option("--size", help="Words per n-gram: 2 or 3.")] = 2,
               measure: Annotated[str, typer.Option("--measure", help="frequency, or rank collocations by llr "
                                                     "(log-likelihood G², bigrams) or pmi.")] = "frequency",
               min_count: Annotated[int, typer.Option("--min-count", help="Collocations seen fewer times are left out.")] = 3,
               top: Top = 20, platform: Platform = None, period: Period = None, category: Category = None,
               actor: Actor = None, since: SinceOpt = None, until: UntilOpt = None,
        all_posts: AllOpt = False, no_stopwords: NoStop = False, no_stem: NoStem = False, language: Language = None,
               min_length: MinLength = 2, out: OutputOptions = None) -> None:
    """Count frequent n-grams within sentences, or rank collocations."""
    from shailoo.analysis.text_ngrams import ngrams

    ws = open_workspace(workspace)
    flt, scope = _filter(ws, platform, period, category, actor, since, until, all_posts)
    with progress(f"Counting {n}-grams…"):
        r = ngrams(ws, flt, _options(language, no_stopwords, no_stem, min_length=min_length), n, top,
                   measure, min_count)
    print_table(r.table, out, title=f"{n}-grams", note=join_notes(scope, r.note))


@table_command
def kwic_cmd(query: Annotated[str, typer.Argument(help='Words, "phrases", AND, OR, NOT, ( ), prefix*.')],
             workspace: workspace_option = None, width: Annotated[int, typer.Option(
                 "--width", help="Characters of context each side.")] = 40,
             no_translit: Annotated[bool, typer.Option("--no-translit", help="Do not expand across scripts.")] = False,
             top: Annotated[int | None, typer.Option("-n", "--limit", "--top", min=0, help=(
                 "How many hits to find; 0 for all (default: all, of which a screen shows 20)."))] = None, platform: Platform = None, period: Period = None, category: Category = None,
             actor: Actor = None, since: SinceOpt = None, until: UntilOpt = None,
        all_posts: AllOpt = False, no_stem: NoStem = False, language: Language = None,
             out: OutputOptions = None) -> None:
    """Search posts and show every hit as keyword in context, with a link to the post."""
    from shailoo.analysis.text_kwic import kwic

    ws = open_workspace(workspace)
    flt, scope = _filter(ws, platform, period, category, actor, since, until, all_posts)
    with progress("Searching posts…"):
        r = kwic(ws, query, flt, _options(language, False, no_stem), width, top or 0,
                 translit=not no_translit)
    if r.empty_reason:  # said once, on stderr; an empty table still goes to stdout for scripts
        typer.echo(r.empty_reason, err=True)
    print_table(r.table, out, title=f"Hits for {query}", note=join_notes(scope, r.note),
                shown=("local_time", "platform", "left", "keyword", "right"), default_limit=20)


@table_command
def assoc_cmd(term: Annotated[str, typer.Argument(help="The term whose associations to find.")],
              workspace: workspace_option = None,
              min_cor: Annotated[float, typer.Option("--min", help="Lowest correlation to show (0-1).")] = 0.2,
              top: Top = 0, platform: Platform = None, period: Period = None, category: Category = None,
              actor: Actor = None, since: SinceOpt = None, until: UntilOpt = None,
        all_posts: AllOpt = False, no_stopwords: NoStop = False, no_stem: NoStem = False, language: Language = None,
              min_length: MinLength = 2, out: OutputOptions = None) -> None:
    """Find terms correlated with a term across posts (R tm findAssocs)."""
    from shailoo.analysis.text_assoc import assoc

    ws = open_workspace(workspace)
    flt, scope = _filter(ws, platform, period, category, actor, since, until, all_posts)
    with progress("Correlating terms…"):
        r = assoc(ws, term, flt, _options(language, no_stopwords, no_stem, min_length=min_length),
                  min_cor, top)
    print_table(r.table, out, title=f"Terms associated with {term}", note=join_notes(scope, r.note))


@table_command
def clusters_cmd(workspace: workspace_option = None, k: Annotated[int, typer.Option("-k", help="Number of clusters.")] = 11,
                 max_exact: Annotated[int, typer.Option("--max-exact", help="Cluster at most this many posts exactly; "
                                                        "above it, a sample and nearest centroids.")] = 5000,
                 posts: Annotated[bool, typer.Option("--posts", help="Print each post's cluster instead of the summary.")] = False,
                 top: Annotated[int, typer.Option("--words", help="Top words shown per cluster.", min=1)] = 10,
                 platform: Platform = None, period: Period = None, category: Category = None,
                 actor: Actor = None, since: SinceOpt = None, until: UntilOpt = None,
        all_posts: AllOpt = False, no_stopwords: NoStop = False, no_stem: NoStem = False, language: Language = None,
                 min_length: MinLength = 2, out: OutputOptions = None) -> None:
    """Cluster posts with Ward's method on TF-IDF and show each cluster's size and top words."""
    from shailoo.analysis.text_clusters import clusters

    ws = open_workspace(workspace)
    flt, scope = _filter(ws, platform, period, category, actor, since, until, all_posts)
    with progress("Clustering posts (TF-IDF, Ward)…"):
        r = clusters(ws, flt, _options(language, no_stopwords, no_stem, min_length=min_length), k=k,
                     top_words=top, max_exact=max_exact)
    print_table(r.details if posts else r.table, out, title=f"Clusters (Ward, k={k})", note=join_notes(scope, r.note),
                default_limit=20 if posts else None)


@table_command
def topics_cmd(workspace: workspace_option = None, by: Annotated[str, typer.Option(
        "--by", help="Group by platform, week, period, category, actor, language, day or none.")] = "platform",
        dictionary: Annotated[Path | None, typer.Option("--dictionary", help="A topics YAML file to use instead "
                                                           "of the workspace's or the shipped one.")] = None,
        platform: Platform = None, period: Period = None, category: Category = None, actor: Actor = None,
        since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
        out: OutputOptions = None) -> None:
    """Tag posts with dictionary topics and count posts per topic and group."""
    from shailoo.analysis.text_topics import topics

    ws = open_workspace(workspace)
    flt, scope = _filter(ws, platform, period, category, actor, since, until, all_posts)
    with progress("Tagging topics…"):
        r = topics(ws, flt, by, dictionary)
    print_table(r.table, out, shown=("group", "label", "posts", "share"), title=f"Topics by {by}", note=join_notes(scope, r.note))


def detect_language_cmd(file: Annotated[str, typer.Argument(help="A text file with one text per line, or - for stdin.")]) -> None:
    """Identify the language of each line: prints CSV lang,confidence per line, in order."""
    from shailoo.text.langid import detect_languages

    lines = read_lines(file, "a text file with one text per line")
    out = ["lang,confidence"] + [f"{c},{p:.4f}" for c, p in detect_languages(lines)]
    sys.stdout.write("\n".join(out) + "\n")


stopwords_app = typer.Typer(help="List or extend the stopwords of a workspace.", no_args_is_help=True)


@stopwords_app.command("add", epilog=examples("shailoo stopwords add ky жана менен"))
def stopwords_add(lang: Annotated[str, typer.Argument(help="Language code: ru, ky, kk, uz or en.")],
                  words: Annotated[list[str], typer.Argument(help="Words to add.")],
                  workspace: workspace_option = None) -> None:
    """Add words to a language's stopwords in this workspace."""
    from shailoo.text.stopwords import add_stopwords

    ws = _open(workspace)
    n = add_stopwords(ws.con, lang, words)
    typer.echo(f"Added {n:,} stopword(s) to {lang}.")


@stopwords_app.command("list", epilog=examples("shailoo stopwords list ky", "shailoo stopwords list ru -o ru-stopwords.csv"))
@table_command
def stopwords_list(lang: Annotated[str, typer.Argument(help="Language code: ru, ky, kk, uz or en.")],
                   workspace: workspace_option = None, out: OutputOptions = None) -> None:
    """List a language's stopwords: shipped and added in this workspace."""
    from shailoo.text.stopwords import list_stopwords

    ws = open_workspace(workspace)
    print_table(list_stopwords(ws.con, lang), out, title=f"Stopwords ({lang})")


EXAMPLES = {
    "terms": ("shailoo terms --by platform --limit 30", "shailoo terms --kinds hashtag,mention -o tags.csv --bom"),
    "ngrams": ("shailoo ngrams --size 2", "shailoo ngrams --size 2 --measure llr --min-count 5"),
    "kwic": ('shailoo kwic шайлоо', 'shailoo kwic "шайлоо OR выборы" --platform telegram -o hits.xlsx'),
    "assoc": ("shailoo assoc шайлоо --min 0.3",),
    "clusters": ("shailoo clusters -k 11", "shailoo clusters -k 11 --posts -o clusters.csv"),
    "topics": ("shailoo topics --by week", "shailoo topics --dictionary my-topics.yaml -f csv"),
    "detect-language": ("shailoo detect-language texts.txt", "cat texts.txt | shailoo detect-language -"),
}


def register(app: typer.Typer) -> None:
    """Add the text commands to the main app."""
    for name, command in (("terms", terms_cmd), ("ngrams", ngrams_cmd), ("kwic", kwic_cmd), ("assoc", assoc_cmd),
                          ("clusters", clusters_cmd), ("topics", topics_cmd),
                          ("detect-language", detect_language_cmd)):
        app.command(name, epilog=examples(*EXAMPLES[name]))(command)
    app.add_typer(stopwords_app, name="stopwords")
