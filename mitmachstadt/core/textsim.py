"""German text normalisation and similar-idea matching.

Pure Python (no Django) so it can run in views, tasks and benchmarks alike.

Contract with the database layer:

* ``Vocabulary.build(...)`` over a municipality's ideas, cached via ``to_dict``/``from_dict``.
* Per idea, store ``index_document(title, text, vocab)`` in the full-text column.  Its terms
  are already normalised and stemmed lower-case ``[a-z0-9]`` words (other Unicode letters
  survive unchanged), so the FTS tokenizer must not stem them again (SQLite FTS5
  ``unicode61``; PostgreSQL ``to_tsvector('simple', ...)``).
* Query with ``query_terms(text, vocab)`` OR-ed together, plus ``query_prefixes(text, vocab)``
  as prefix terms (``p*``) for the word being typed and typos; take the top ~100 hits by FTS
  rank and re-rank them with ``rank(query, [(id, title, text), ...], vocab)``.
* Rebuild the vocabulary (and re-index) now and then as ideas accumulate; documents indexed
  with an older vocabulary keep working, they just miss newer compound splits.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

import snowballstemmer

__all__ = [
    "DEFAULT_PARAMS",
    "DEFAULT_THRESHOLD",
    "MatchParams",
    "Vocabulary",
    "char_ngrams",
    "clear_caches",
    "index_document",
    "normalize",
    "query_prefixes",
    "query_terms",
    "rank",
    "similarity",
    "split_compound",
    "stem",
    "tokens",
]

# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------

# German transliteration instead of plain accent stripping, so "Straße"/"Strasse" and
# "Bürger"/"Buerger" produce identical strings (users without a German keyboard type the
# latter).
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})

# Gender-inclusive spellings ("Bürger*innen", "Bürger:innen", "Bürger/-innen") would otherwise
# split into "buerger" + a stray "innen"; joining them lets the stemmer treat them like
# "Bürgerinnen".
_GENDER_RE = re.compile(r"(\w)[*:_/·|]-?(innen|in)\b", re.IGNORECASE)
_NON_WORD_RE = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Return lower-case, NFKC, umlaut-folded text with punctuation replaced by spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _GENDER_RE.sub(r"\1\2", text)
    text = text.translate(_FOLD)
    # Remaining accents (é, ç, ...) are dropped rather than transliterated: they are rare in
    # German civic text and users often omit them.
    if not text.isascii():
        decomposed = unicodedata.normalize("NFD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD_RE.sub(" ", text).split())


# Written in folded form because they are compared after normalize().  The last line holds
# evaluative title fillers ("Bessere ...", "Neue ...") that say nothing about the topic and
# are frequent in civic ideas, but small corpora give them a high IDF.  Kept short on purpose:
# IDF already down-weights frequent words, and words like "weg" (also "away") or "platz" must
# stay because they are civic nouns.
_STOPWORDS_DE = """
aber alle allem allen aller alles als also am an ander andere anderen anderer anderes auch
auf aus bei beim bereits bin bis bisher bist bitte da dabei dadurch dafuer daher damit dann
daran darauf darf darueber das dass dasselbe dazu dein deine dem den denen denn der deren
derer des dessen dich die dies diese diesem diesen dieser dieses dir doch dort du durch eher
ein eine einem einen einer eines einige einigen einmal er es etwa etwas euch euer eure fuer
ganz gar gegen gern gerne gewesen gibt habe haben hat hatte hatten hier hin hinter ich ihm
ihn ihnen ihr ihre ihrem ihren ihrer ihres im immer in indem ins ist ja je jede jedem jeden
jeder jedes jedoch jetzt kann kein keine keinem keinen keiner koennen koennte koennten man
manche manchen mehr mein meine meinem meinen meiner mich mir mit moechte moechten muss
muessen muesste nach nicht nichts noch nun nur ob oder ohne schon sehr sein seine seinem
seinen seiner seit sich sie sind so soll sollen sollte sollten sondern sowie statt ueber um
und uns unser unsere unserem unseren unserer unter viel viele vielen vom von vor waere waeren
wann war waren warum was weil welche welchem welchen welcher wenn wer werden wie wieder will
wir wird wo wollen wuerde wuerden wurde wurden zu zum zur zwar zwischen usw bzw etc per pro
besser bessere besseren besserer besseres neu neue neuen neuer neues
"""
_STOPWORDS_EN = """
a an and are as at be by for from has have in is it its of on or that the this to was were
will with
"""
STOPWORDS: frozenset[str] = frozenset((_STOPWORDS_DE + _STOPWORDS_EN).split())


# snowballstemmer objects keep per-call state, so each thread needs its own instance.
_local = threading.local()


def _stemmer() -> Any:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("german")
    return stemmer


# Plain dict rather than functools.lru_cache so a loaded Vocabulary can seed it with the stems
# it already knows (see Vocabulary.from_dict); cleared wholesale when it grows too large.
_STEM_CACHE: dict[str, str] = {}
_STEM_CACHE_MAX = 500_000


def stem(word: str) -> str:
    """Return the Snowball German stem of an already normalised word (cached)."""
    # The pure-Python stemmer costs ~60 us per call; the cache makes repeated words free,
    # which is what keeps per-keystroke re-ranking fast.
    s = _STEM_CACHE.get(word)
    if s is None:
        if len(_STEM_CACHE) >= _STEM_CACHE_MAX:
            _STEM_CACHE.clear()
        s = _STEM_CACHE[word] = str(_stemmer().stemWord(word))
    return s


def clear_caches() -> None:
    """Drop all module-level caches (for benchmarks and tests)."""
    _STEM_CACHE.clear()
    _ngrams_cached.cache_clear()


def _words(text: str) -> list[str]:
    """Normalised content words: no stopwords, no single letters (digits are kept)."""
    return [
        w for w in normalize(text).split() if w not in STOPWORDS and (len(w) > 1 or w.isdigit())
    ]


_RAW_TOKEN_RE = re.compile(r"[^\W_]+")
_SENTENCE_END_RE = re.compile(r"[.!?:;]")


def _cased_words(text: str) -> list[tuple[str, bool, bool]]:
    """Content words with two capitalisation flags: (word, lower-case hint, capitalised)."""
    # German capitalises nouns, which carry most of an idea's topic ("Fahrradwegenetz
    # ausbauen").  A word that does not start a sentence is flagged as lower-case (probably not
    # a noun) or capitalised (a noun), but only if the text uses capitals at all: an
    # all-lower-case text says nothing.
    text = _GENDER_RE.sub(r"\1\2", unicodedata.normalize("NFKC", text))
    cased = any(ch.isupper() for ch in text)
    out: list[tuple[str, bool, bool]] = []
    prev_end = 0
    for n, m in enumerate(_RAW_TOKEN_RE.finditer(text)):
        raw = m.group()
        initial = n == 0 or bool(_SENTENCE_END_RE.search(text, prev_end, m.start()))
        prev_end = m.end()
        lower_hint = cased and not initial and raw[0].islower()
        capital = cased and not initial and raw[0].isupper()
        out.extend(
            (w, lower_hint, capital)
            for w in normalize(raw).split()
            if w not in STOPWORDS and (len(w) > 1 or w.isdigit())
        )
    return out


def _query_words(text: str) -> list[tuple[str, bool]]:
    """Content words of a query with a "probably not a noun" flag from capitalisation."""
    return [(w, lower_hint) for w, lower_hint, _ in _cased_words(text)]


def tokens(text: str) -> list[str]:
    """Return stemmed content words of ``text`` (stopwords removed, order kept)."""
    return [stem(w) for w in _words(text)]


def char_ngrams(word: str, n: int = 3) -> frozenset[str]:
    """Return the character n-grams of a normalised word, with ``<``/``>`` boundary markers."""
    padded = f"<{word}>"
    if len(padded) <= n:
        return frozenset((padded,))
    return frozenset(padded[i : i + n] for i in range(len(padded) - n + 1))


# --------------------------------------------------------------------------------------------
# Vocabulary and compound splitting
# --------------------------------------------------------------------------------------------

# Common nouns of municipal ideas, in folded form.  They make compound splitting work for a
# fresh municipality with few ideas; corpus words are added on top.
_BUILTIN_PARTS_TEXT = """
    abfall abstell allee ampel amt anlage antrag app auto bach bad bahn bank bau baum beet
    beleuchtung berg bibliothek bluehen blume boden bruecke brunnen buch buecherei buerger
    buero bus container dach daten dienst digital dorf ecke ehren eimer einkauf energie fahr
    fahrrad feld fest feuer flaeche fluss frei freizeit friedhof fuss gang garten gebaeude
    gebuehr geh geld gemeinde gemeinschaft gruen grund gruppe halle halte haltestelle haus heim
    hilfe hof hund info innen insekt internet jugend kamera kanal karte kind kinder kita klima
    kot kreis kultur kunst lade laerm lampe land lasten laterne leit leuchte licht linie luft
    markt melde miet muell musik nacht natur netz not online ort papier park parken pegel
    pflanze plan platz portal post quartier rad rand rat raum recht regen ring sammel sauber
    schild schule schutz schwimm see senior sensor service sicherheit sitz solar spiel sport
    stadt stand station steig stein stelle steuer strasse strom sucht system tafel tag takt
    teich teil termin tisch toilette tonne treff trink turm ufer umwelt verein verkehr viertel
    wagen wald wand wasser weg wehr welt werk wiese wlan wochen wohn wohnung zeit zentrum zone
"""
BUILTIN_PARTS: frozenset[str] = frozenset(_BUILTIN_PARTS_TEXT.split())

# Civic synonyms, mapped stem -> canonical stem on both the index and the query side.  Small
# and conservative: only pairs that mean the same thing in an idea title.
BUILTIN_SYNONYMS: dict[str, str] = {
    "fahrrad": "rad",
    "velo": "rad",
    "bike": "rad",
    "abfall": "mull",
    "wifi": "wlan",
    "hotspot": "wlan",
    "pkw": "auto",
    "kfz": "auto",
    "latern": "licht",
    "lamp": "licht",
    "leucht": "licht",
    "beleucht": "licht",
    "kindergart": "kita",
    "burgersteig": "gehweg",
    "trottoir": "gehweg",
    "fussweg": "gehweg",
    "burgeramt": "burgerburo",
    "burgerservic": "burgerburo",
    "bucherei": "bibliothek",
}

# Linking elements (Fugenelemente) that may sit between two compound parts.
_LINKS = ("s", "es", "n", "en", "e", "er")
# A split never ends in these: "Bürgerinnen" is an inflected form, not "Bürger" + "innen".
_BAD_LAST_PARTS = frozenset({"in", "innen", "en", "er", "es", "ern"})
_MIN_PART = 3
_MIN_UNKNOWN = 5
_MIN_SPLIT_LEN = 6


class PartNode(NamedTuple):
    """One compound part: canonical stem and its own sub-parts ("radwege" -> rad, weg)."""

    term: str
    children: tuple[PartNode, ...]


class WordInfo(NamedTuple):
    """Analysis of one normalised word: canonical stem and weighted compound-part stems."""

    stem: str
    # Top-level parts (head last) as a tree, used for partial matching of query words.
    parts: tuple[PartNode, ...]
    # All parts at every nesting level with their tf weight (head parts weigh more).
    part_weights: tuple[tuple[str, float], ...]


# Weight of a compound part relative to a standalone word: the head (last part) names what the
# thing is ("Innenstadtparkplatz" is a Parkplatz), a modifier only qualifies it ("Parkplatz" is
# no park).
HEAD_WEIGHT = 0.7
MODIFIER_WEIGHT = 0.35


@dataclass
class Vocabulary:
    """Corpus statistics for one municipality: word frequencies, term document frequencies."""

    word_freq: dict[str, int] = field(default_factory=dict)
    doc_freq: dict[str, int] = field(default_factory=dict)
    n_docs: int = 0
    avg_doc_len: float = 20.0
    synonyms: dict[str, str] = field(default_factory=dict)
    # False drops BUILTIN_SYNONYMS (used by the benchmark's ablation).
    builtin_synonyms: bool = True
    # Words seen capitalised inside a sentence, i.e. German nouns.
    nouns: frozenset[str] = frozenset()
    # word -> stem for corpus words (only where they differ); saves stemming after loading.
    stems: dict[str, str] = field(default_factory=dict, repr=False)
    # Compound splits of corpus words, precomputed by build() so that a freshly loaded
    # vocabulary needs no splitting work for candidates' words; None = compute on demand.
    splits: dict[str, list[str]] | None = field(default=None, repr=False)
    _known: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)
    _known_stems: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)
    _synmap: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    _cache: dict[tuple[str, bool], WordInfo] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _split_cache: dict[str, tuple[str, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _known_split_cache: dict[str, list[str] | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _doc_cache: dict[tuple[str, str, bool, float], _Doc] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _noun_stems: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)
    _stem_prefixes: frozenset[str] = field(
        default=frozenset(), init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._refresh()

    def _refresh(self) -> None:
        for w, st in self.stems.items():
            _STEM_CACHE.setdefault(w, st)
        words = {w for w in self.word_freq if len(w) >= _MIN_PART and not w.isdigit()}
        words |= BUILTIN_PARTS
        words -= STOPWORDS
        stems = {stem(w) for w in words}
        self._noun_stems = frozenset(stem(w) for w in self.nouns | BUILTIN_PARTS)
        # Cheap pre-check before stemming a candidate compound part: the stemmer only rewrites
        # endings, so a part whose first three letters start no known word cannot match.
        self._stem_prefixes = frozenset(w[:3] for w in words | stems)
        # Stems double as surface forms so elided parts ("Schul-weg", "Kirch-turm") are found.
        self._known = frozenset(words | {s for s in stems if len(s) >= _MIN_PART})
        self._known_stems = frozenset(stems)
        builtin = BUILTIN_SYNONYMS if self.builtin_synonyms else {}
        self._synmap = {**builtin, **self.synonyms}
        self._cache = {}
        self._split_cache = {}
        self._known_split_cache = {}
        self._doc_cache = {}

    # -- construction and serialisation -----------------------------------------------------

    @classmethod
    def build(
        cls,
        documents: Iterable[tuple[str, str] | str],
        *,
        synonyms: Mapping[str, str] | None = None,
        builtin_synonyms: bool = True,
        max_words: int = 50_000,
    ) -> Vocabulary:
        """Build a vocabulary from ``(title, text)`` pairs or plain strings."""
        docs = [d if isinstance(d, tuple) else ("", d) for d in documents]
        freq: Counter[str] = Counter()
        nouns: set[str] = set()
        for title, text in docs:
            for part in (title, text):
                for w, lower_hint, capital in _cased_words(part):
                    freq[w] += 1
                    if capital and not lower_hint:
                        nouns.add(w)
        kept = dict(freq.most_common(max_words))
        # Two passes: compound splitting needs the word list before document terms exist.
        vocab = cls(
            word_freq=kept,
            synonyms=dict(synonyms or {}),
            builtin_synonyms=builtin_synonyms,
            nouns=frozenset(nouns & kept.keys()),
            stems={w: st for w in kept if (st := stem(w)) != w},
        )
        vocab.splits = {w: parts for w in kept if len(parts := split_compound(w, vocab)) > 1}
        df: Counter[str] = Counter()
        total_len = 0.0
        for title, text in docs:
            bag = vocab._bag(title, text, compounds=True)
            df.update(bag)
            total_len += sum(bag.values())
        vocab.doc_freq = dict(df)
        vocab.n_docs = len(docs)
        vocab.avg_doc_len = total_len / len(docs) if docs else 20.0
        return vocab

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable representation (for caching per municipality)."""
        return {
            "version": 1,
            "n_docs": self.n_docs,
            "avg_doc_len": round(self.avg_doc_len, 3),
            "word_freq": dict(sorted(self.word_freq.items())),
            "doc_freq": dict(sorted(self.doc_freq.items())),
            "synonyms": dict(self.synonyms),
            "builtin_synonyms": self.builtin_synonyms,
            "nouns": sorted(self.nouns),
            "stems": dict(sorted(self.stems.items())),
            "splits": None if self.splits is None else dict(sorted(self.splits.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Vocabulary:
        """Rebuild a vocabulary from ``to_dict`` output."""
        if data.get("version") != 1:
            raise ValueError(f"unsupported vocabulary version: {data.get('version')!r}")
        return cls(
            word_freq={str(k): int(v) for k, v in data["word_freq"].items()},
            doc_freq={str(k): int(v) for k, v in data["doc_freq"].items()},
            n_docs=int(data["n_docs"]),
            avg_doc_len=float(data["avg_doc_len"]),
            synonyms={str(k): str(v) for k, v in data.get("synonyms", {}).items()},
            builtin_synonyms=bool(data.get("builtin_synonyms", True)),
            nouns=frozenset(str(w) for w in data.get("nouns", ())),
            stems={str(k): str(v) for k, v in data.get("stems", {}).items()},
            splits=None
            if data.get("splits") is None
            else {str(k): [str(p) for p in v] for k, v in data["splits"].items()},
        )

    # -- lookups ------------------------------------------------------------------------------

    def is_known(self, part: str, *, last: bool = False) -> bool:
        """Whether ``part`` (normalised) is a plausible standalone word for compound splitting."""
        if len(part) < _MIN_PART or part in STOPWORDS:
            return False
        if part in self._known:
            return True
        # Only the last part carries inflection ("Park-plätze"), so only there is the costly
        # stemmer consulted; inner parts use linking elements instead.
        return last and part[:3] in self._stem_prefixes and stem(part) in self._known_stems

    def is_noun(self, part: str) -> bool:
        """Whether ``part`` (normalised) inflects a noun seen in the corpus or a built-in part."""
        return (
            len(part) >= _MIN_PART
            and part[:3] in self._stem_prefixes
            and (stem(part) in self._noun_stems)
        )

    def canon(self, stem_: str) -> str:
        """Map a stem to its canonical synonym."""
        return self._synmap.get(stem_, stem_)

    def idf(self, term: str) -> float:
        """Return the BM25 inverse document frequency (unknown terms count as df=1)."""
        n = max(self.n_docs, 1)
        df = min(max(self.doc_freq.get(term, 0), 1), n)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def analyse(self, word: str, *, compounds: bool = True) -> WordInfo:
        """Return the (cached) analysis of one normalised word."""
        key = (word, compounds)
        info = self._cache.get(key)
        if info is None:
            if len(self._cache) > 300_000:
                # Crude bound on memory for long-running workers; re-analysis is cheap enough.
                self._cache.clear()
                self._split_cache.clear()
                self._known_split_cache.clear()
            info = self._cache[key] = self._analyse(word, compounds)
        return info

    def _analyse(self, word: str, compounds: bool) -> WordInfo:
        s = self.canon(stem(word))
        if not compounds:
            return WordInfo(s, (), ())
        top = split_compound(word, self)
        if len(top) < 2:
            return WordInfo(s, (), ())
        weights: dict[str, float] = {}
        tree = self._part_tree(top, 1.0, weights, depth=0)
        weights.pop(s, None)
        return WordInfo(s, tree, tuple(weights.items()))

    def _part_tree(
        self, parts: list[str], factor: float, out: dict[str, float], depth: int
    ) -> tuple[PartNode, ...]:
        nodes = []
        for i, part in enumerate(parts):
            w = factor * (HEAD_WEIGHT if i == len(parts) - 1 else MODIFIER_WEIGHT)
            term = self.canon(stem(part))
            out[term] = max(out.get(term, 0.0), w)
            children: tuple[PartNode, ...] = ()
            if depth < 3:
                sub = split_compound(part, self, allow_unknown=False)
                if len(sub) > 1:
                    children = self._part_tree(sub, w, out, depth + 1)
            nodes.append(PartNode(term, children))
        return tuple(nodes)

    def _bag(self, title: str, text: str, *, compounds: bool) -> Counter[str]:
        """Unweighted term counts used for document frequencies."""
        bag: Counter[str] = Counter()
        for w in _words(f"{title} {text}"):
            info = self.analyse(w, compounds=compounds)
            bag[info.stem] += 1
            for term, _ in info.part_weights:
                bag[term] += 1
        return bag


def _split_known(word: str, vocab: Vocabulary) -> list[str] | None:
    """Fewest-parts split of ``word`` into >= 2 known parts (with linking elements), or None."""
    cache = vocab._known_split_cache
    if word not in cache:
        cache[word] = _split_known_uncached(word, vocab)
    parts = cache[word]
    return list(parts) if parts is not None else None


def _split_known_uncached(word: str, vocab: Vocabulary) -> list[str] | None:
    n = len(word)
    # best[i]: best split of the suffix word[i:] as (key, parts), filled right to left.  The key
    # orders by fewest parts, then by longest first part, longest second part, ...: German
    # compounds nest to the left ("[Fahrrad|wege]|netz"), so "fahrrad|wege|netz" should win
    # over "fahr|radwege|netz".  Lexicographic keys compose, so the DP stays exact.
    best: list[tuple[tuple[int, tuple[int, ...]], list[str]] | None] = [None] * (n + 1)
    best[n] = ((0, ()), [])
    for i in range(n - _MIN_PART, -1, -1):
        for j in range(i + _MIN_PART, n + 1):
            if i == 0 and j == n:
                continue  # the whole word is not a split
            part = word[i:j]
            last = j == n
            if last and part in _BAD_LAST_PARTS:
                continue
            if not vocab.is_known(part, last=last):
                continue
            nexts = [j] if last else [j, *(j + len(lk) for lk in _LINKS if word.startswith(lk, j))]
            for t in nexts:
                rest = best[t]
                if rest is None or (t == n and not last):
                    continue
                (count, lengths), parts = rest
                key = (count + 1, (-len(part), *lengths))
                slot = best[i]
                if slot is None or key < slot[0]:
                    best[i] = (key, [part, *parts])
    final = best[0]
    return final[1] if final is not None and len(final[1]) >= 2 else None


def split_compound(word: str, vocabulary: Vocabulary, *, allow_unknown: bool = True) -> list[str]:
    """Split a normalised word into known parts (head last), or return ``[word]``."""
    if len(word) < _MIN_SPLIT_LEN or not word.isalpha():
        return [word]
    if vocabulary.splits is not None and word in vocabulary.word_freq:
        # Corpus words (also as parts of bigger compounds) use the split stored at build time.
        return list(vocabulary.splits.get(word, (word,)))
    cache_key = f"{word}|{int(allow_unknown)}"
    cached = vocabulary._split_cache.get(cache_key)
    if cached is not None:
        return list(cached)
    parts = _split_known(word, vocabulary)
    if parts is None:
        # Derivational endings the stemmer strips ("ehrenamt-liche") can hide a clean split.
        stemmed = stem(word)
        if stemmed != word and len(stemmed) >= _MIN_SPLIT_LEN:
            parts = _split_known(stemmed, vocabulary)
    if parts is None and allow_unknown and len(word) >= 2 * _MIN_UNKNOWN:
        parts = _split_partial(word, vocabulary)
    result = tuple(parts) if parts else (word,)
    vocabulary._split_cache[cache_key] = result
    return list(result)


# Letter pairs that can begin a German word.  An "unknown remainder" that starts otherwise
# ("info" + "rmation") is a sign of a wrong split point.
_ONSETS_TEXT = (
    "bl br ch dr fl fr gl gr kl kn kr pf ph pl pr ps qu sc sk sl sm sn sp st sz th tr tz wr zw"
)
_ONSETS = frozenset(_ONSETS_TEXT.split())
_VOWELS = frozenset("aeiouy")


def _plausible_start(rest: str) -> bool:
    return rest[0] in _VOWELS or rest[1] in _VOWELS or rest[:2] in _ONSETS


def _known_piece(piece: str, vocab: Vocabulary, *, last: bool) -> bool:
    return vocab.is_known(piece, last=last) or _split_known(piece, vocab) is not None


def _split_partial(word: str, vocab: Vocabulary) -> list[str] | None:
    """Longest known prefix or suffix plus one unknown piece ("Parkplatz" + "finder")."""
    # New words in a query ("Parkplatzfinder") often combine a known word with an unknown one;
    # keeping the known piece lets them still match.  The unknown piece is kept as a part too.
    n = len(word)
    for k in range(n - _MIN_UNKNOWN, _MIN_PART, -1):
        prefix, rest = word[:k], word[k:]
        if rest in _BAD_LAST_PARTS or not _plausible_start(rest):
            continue
        if _known_piece(prefix, vocab, last=False):
            return [prefix, rest]
        # "Verkehrs" + "beruhigung": the prefix may end in a linking element.
        for link in _LINKS:
            if prefix.endswith(link) and _known_piece(prefix[: -len(link)], vocab, last=False):
                return [prefix[: -len(link)], rest]
    # The head of a noun compound is a noun, and mostly a simple one ("Weihnachts|markt"):
    # allowing compounds here lets the split point drift ("Weih|nachtsmarkt"), allowing verbs
    # lets stems like "biet" (bieten) cut "Gewerbege|biet".
    for k in range(_MIN_UNKNOWN, n - _MIN_PART + 1):
        head, suffix = word[:k], word[k:]
        if suffix in _BAD_LAST_PARTS or not _plausible_start(suffix):
            continue
        if vocab.is_noun(suffix):
            return [head, suffix]
    return None


# --------------------------------------------------------------------------------------------
# Index document and query terms (the FTS contract)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchParams:
    """Tunable knobs of the scorer; defaults are tuned on bench/data (see bench/results)."""

    compounds: bool = True
    trigrams: bool = True
    title_weight: float = 1.5  # tf multiplier for title words relative to text words
    k1: float = 1.2
    b: float = 0.6  # BM25 length normalisation
    part_match: float = 1.0  # credit factor for a query compound matched only via its parts
    unknown_leaf: float = 1.0  # how much a compound part unknown to the corpus counts
    lowercase_weight: float = 0.5  # weight factor for lower-case (likely non-noun) query words
    trigram_weight: float = 0.15  # share of the title trigram similarity in the final score
    fuzzy_weight: float = 0.8  # credit factor for a query word matched only by trigrams
    fuzzy_min: float = 0.5  # minimum trigram Dice for a fuzzy word match


DEFAULT_PARAMS = MatchParams()
DEFAULT_THRESHOLD = 0.22


MAX_QUERY_TERMS = 24


def index_document(
    title: str, text: str, vocabulary: Vocabulary, *, params: MatchParams = DEFAULT_PARAMS
) -> str:
    """Return the space-separated FTS document for one idea (title terms repeated twice)."""
    out: list[str] = []
    for source, repeat in ((title, 2), (text, 1)):
        terms: list[str] = []
        for w in _words(source):
            info = vocabulary.analyse(w, compounds=params.compounds)
            terms.append(info.stem)
            terms.extend(t for t, _ in info.part_weights)
        # Repeating the title is the only way to weight it inside a single FTS column.
        out.extend(terms * repeat)
    return " ".join(out)


def query_terms(
    text: str,
    vocabulary: Vocabulary,
    max_terms: int = MAX_QUERY_TERMS,
    *,
    params: MatchParams = DEFAULT_PARAMS,
) -> list[str]:
    """Return distinct FTS terms for ``text``, most informative (highest IDF) first."""
    seen: dict[str, int] = {}
    for w in _words(text):
        info = vocabulary.analyse(w, compounds=params.compounds)
        for term in (info.stem, *(t for t, _ in info.part_weights)):
            seen.setdefault(term, len(seen))
    # Ties keep text order so the result is deterministic.
    ordered = sorted(seen, key=lambda t: (-vocabulary.idf(t), seen[t]))
    return ordered[:max_terms]


MAX_QUERY_PREFIXES = 4
_TYPING_END_RE = re.compile(r"[^\W_]$")


def query_prefixes(
    text: str,
    vocabulary: Vocabulary,
    max_prefixes: int = MAX_QUERY_PREFIXES,
    *,
    params: MatchParams = DEFAULT_PARAMS,
) -> list[str]:
    """Return stem prefixes for FTS prefix queries (``p*``): the word being typed, unknown words."""
    # Per-keystroke search sees half-typed words ("Mehr Radw") and typos ("Parkpläze") whose
    # stems match no indexed term; a prefix query still retrieves the idea, and rank() scores
    # it through the trigram fallback.
    words = _words(text)
    out: list[str] = []
    if words and _TYPING_END_RE.search(text):
        last = vocabulary.analyse(words[-1], compounds=params.compounds).stem
        if len(last) >= 3:
            out.append(last)
    for w in words:
        info = vocabulary.analyse(w, compounds=params.compounds)
        if info.stem in vocabulary.doc_freq or any(
            leaf in vocabulary.doc_freq for leaf, _ in info.part_weights
        ):
            continue
        # Keep two thirds of the stem: long enough to stay specific, short enough to end
        # before a typo in the second half.
        prefix = info.stem[: max(5, 2 * len(info.stem) // 3)]
        if len(prefix) >= 4 and prefix not in out:
            out.append(prefix)
    return out[:max_prefixes]


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


class _Unit(NamedTuple):
    """One query word: its stem, compound-part tree, weight and stem trigrams."""

    stem: str
    parts: tuple[PartNode, ...]
    weight: float
    grams: frozenset[str]


class _Query(NamedTuple):
    units: tuple[_Unit, ...]
    total_weight: float
    grams: frozenset[str]
    # Per query stem, shared by all candidates of one call: the candidate terms already
    # compared by trigrams, and those of them close enough (term -> Dice >= fuzzy_min).
    fuzzy_seen: dict[str, set[str]]
    fuzzy_hits: dict[str, dict[str, float]]


@lru_cache(maxsize=100_000)
def _ngrams_cached(word: str) -> frozenset[str]:
    return char_ngrams(word)


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2.0 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def _prepare_query(text: str, vocab: Vocabulary, params: MatchParams) -> _Query:
    units: dict[str, _Unit] = {}
    grams: set[str] = set()
    for w, lower_hint in _query_words(text):
        info = vocab.analyse(w, compounds=params.compounds)
        grams |= _ngrams_cached(info.stem)
        if info.stem in units:
            continue
        if info.stem in vocab.doc_freq or not info.parts:
            weight = vocab.idf(info.stem)
        else:
            # A compound the corpus never saw ("Parkplatzfinder") carries the meaning of its
            # parts, so it weighs like them rather than like a maximally rare word.
            weight = sum(vocab.idf(p.term) for p in info.parts) / len(info.parts)
        if lower_hint:
            weight *= params.lowercase_weight
        units[info.stem] = _Unit(info.stem, info.parts, weight, _ngrams_cached(info.stem))
    total = sum(u.weight for u in units.values())
    query_grams = frozenset(grams) if params.trigrams else frozenset()
    return _Query(tuple(units.values()), total, query_grams, {}, {})


def _leaf_credit(
    nodes: tuple[PartNode, ...], sat: Callable[[str], float], leaf_weight: Callable[[str], float]
) -> tuple[float, float]:
    """Weighted sum of match credits over the leaves below ``nodes``, and the leaves' weight."""
    # A part found as a whole ("radweg") credits all its leaves ("rad", "weg"), so the result
    # does not depend on how deep the compound splitter happened to go.  Leaves the corpus has
    # never seen ("finder" in "Parkplatzfinder") cannot occur in any candidate; they count
    # less, so a new word built on a known one can still reach a useful score.
    total, count = 0.0, 0.0
    for node in nodes:
        own = sat(node.term)
        if node.children:
            sub, n = _leaf_credit(node.children, sat, leaf_weight)
            total += max(sub, own * n)
            count += n
        else:
            w = 1.0 if own else leaf_weight(node.term)
            total += own
            count += w
    return total, count


def _fuzzy(
    unit: _Unit, doc: _Doc, sat: Callable[[str], float], query: _Query, min_dice: float
) -> float:
    """Best trigram match of a query word among the candidate's terms (typos, odd forms)."""
    # The ~100 candidates of a call share most of their terms, and few terms come close to a
    # query word: each distinct term is compared once per call, and a candidate then only
    # looks up the close ones (a loop over all its terms per candidate cost ~half of rank()).
    seen = query.fuzzy_seen.setdefault(unit.stem, set())
    hits = query.fuzzy_hits.setdefault(unit.stem, {})
    new = doc.long_terms - seen
    if new:
        grams = unit.grams
        size = len(grams)
        for term in new:
            # _dice() inlined (same arithmetic, same value): ~1,500 terms per call.
            other = _ngrams_cached(term)
            shared = len(grams & other)
            if shared and size:
                d = 2.0 * shared / (size + len(other))
                if d >= min_dice:
                    hits[term] = d
        seen |= new
    best = 0.0
    terms = doc.long_terms
    for term, d in hits.items():
        if term in terms:
            best = max(best, d * sat(term))
    return best


class _Doc(NamedTuple):
    """A candidate idea prepared for scoring: weighted term frequencies and title trigrams."""

    tf: dict[str, float]
    length: float
    title_grams: frozenset[str]
    # The terms a misspelt query word may match by trigrams (4 letters or more).
    long_terms: frozenset[str]


def _prepare_doc(title: str, text: str, vocab: Vocabulary, params: MatchParams) -> _Doc:
    key = (title, text, params.compounds, params.title_weight)
    doc = vocab._doc_cache.get(key)
    if doc is not None:
        return doc
    tf: dict[str, float] = {}
    title_grams: set[str] = set()
    for words, fw, in_title in (
        (_words(title), params.title_weight, True),
        (_words(text), 1.0, False),
    ):
        for w in words:
            info = vocab.analyse(w, compounds=params.compounds)
            tf[info.stem] = tf.get(info.stem, 0.0) + fw
            for term, pw in info.part_weights:
                tf[term] = tf.get(term, 0.0) + fw * pw
            if in_title:
                title_grams |= _ngrams_cached(info.stem)
    long_terms = frozenset(t for t in tf if len(t) >= 4)
    doc = _Doc(tf, sum(tf.values()), frozenset(title_grams), long_terms)
    # The same ~100 candidates are re-ranked on every keystroke, so their prepared form is
    # kept; a bounded dict is enough (the order of eviction hardly matters).
    if len(vocab._doc_cache) >= _DOC_CACHE_MAX:
        vocab._doc_cache.clear()
    vocab._doc_cache[key] = doc
    return doc


_DOC_CACHE_MAX = 5_000


def _score(query: _Query, title: str, text: str, vocab: Vocabulary, params: MatchParams) -> float:
    if not query.units:
        return 0.0
    doc = _prepare_doc(title, text, vocab, params)
    tf, length, title_grams = doc.tf, doc.length, doc.title_grams
    # BM25 saturation divided by its maximum (k1 + 1) so every unit scores in [0, 1).
    norm = params.k1 * (1.0 - params.b + params.b * length / max(vocab.avg_doc_len, 1.0))

    def sat(term: str) -> float:
        f = tf.get(term, 0.0)
        return f / (f + norm) if f else 0.0

    def leaf_weight(term: str) -> float:
        return 1.0 if term in vocab.doc_freq else params.unknown_leaf

    matched = 0.0
    for unit in query.units:
        m = sat(unit.stem)
        if unit.parts and m < params.part_match:
            credit, leaves = _leaf_credit(unit.parts, sat, leaf_weight)
            if leaves:
                m = max(m, params.part_match * credit / leaves)
        if params.trigrams and params.fuzzy_weight > 0 and m == 0 and len(unit.stem) >= 4:
            # Only for words that matched nothing: typos and forms the stemmer keeps apart.
            m = params.fuzzy_weight * _fuzzy(unit, doc, sat, query, params.fuzzy_min)
        matched += unit.weight * m
    score = matched / query.total_weight if query.total_weight > 0 else 0.0
    if query.grams and title_grams:
        # Stems rather than surface words, so "Parkplätze"/"Parkplatzfinder" share trigrams.
        dice = _dice(query.grams, title_grams)
        score = (1.0 - params.trigram_weight) * score + params.trigram_weight * dice
    return min(max(score, 0.0), 1.0)


def similarity(
    query_text: str,
    candidate_title: str,
    candidate_text: str,
    vocabulary: Vocabulary,
    *,
    params: MatchParams = DEFAULT_PARAMS,
) -> float:
    """Return a similarity in [0, 1] between a draft idea and one existing idea."""
    query = _prepare_query(query_text, vocabulary, params)
    return _score(query, candidate_title, candidate_text, vocabulary, params)


IdT = TypeVar("IdT", bound=Hashable)


def rank(
    query_text: str,
    candidates: Iterable[tuple[IdT, str, str]],
    vocabulary: Vocabulary,
    limit: int = 5,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    params: MatchParams = DEFAULT_PARAMS,
) -> list[tuple[IdT, float]]:
    """Return up to ``limit`` ``(id, score)`` pairs scoring >= ``threshold``, best first."""
    query = _prepare_query(query_text, vocabulary, params)
    if not query.units:
        return []
    scored = []
    for cid, title, text in candidates:
        s = _score(query, title, text, vocabulary, params)
        if s >= threshold:
            scored.append((cid, s))
    # Stable sort: equal scores keep the database's order (e.g. newest or most supported).
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]
