"""Place names and the place hierarchy: how "Liaoning", "랴오닝성", "辽宁省" and "liaoning
province" all find the same place, and everything under it.

Names are normalised (case, accents and tone marks, spaces and punctuation dropped) and looked
up with and without generic words ("Province", "Autonomous Prefecture", 省, 自治州, 성, 시…).
Every spelling of every place is stored normalised in LocationName, so a lookup is one indexed
query; IncidentPlace then finds incidents at the place or anywhere under it.
"""

from __future__ import annotations

import re
import unicodedata

# Generic words at the end of a place name, as they appear once normalised (no spaces).
# Longest first: "koreanautonomousprefecture" before "prefecture".
_SUFFIXES = sorted(
    {
        # English
        "koreanautonomousprefecture", "autonomousprefecture", "autonomousregion",
        "specialadministrativeregion", "autonomouscounty", "prefecture", "province",
        "municipality", "city", "county", "district", "region", "oblast", "krai",
        # pinyin and romanised Korean
        "chaoxianzuzizhizhou", "zizhizhou", "zizhiqu", "zizhixian", "huizu", "zhuangzu",
        "weiwuerzu", "uygur", "uyghur", "sheng", "shi", "xian", "teukbyeolsi", "gwangyeoksi",
        # Chinese
        "朝鲜族自治州", "朝鮮族自治州", "自治州", "自治区", "自治區", "自治县", "自治縣",
        "特别行政区", "特別行政區", "省", "市", "县", "縣", "区", "區", "州",
        # Korean
        "조선족자치주", "자치주", "자치구", "특별자치도", "특별시", "광역시",
        "성", "시", "현", "구", "도", "주",
    },
    key=len,
    reverse=True,
)  # fmt: skip
_MIN_LEFT = 2  # never strip a name down to one character ("화성" stays "화성")


def normalize(text: str) -> str:
    """Case-, accent- and spacing-insensitive form: 'Shěnyáng Shi' → 'shenyangshi'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    composed = unicodedata.normalize("NFC", kept).casefold()
    return re.sub(r"[\W_]+", "", composed)


def name_variants(text: str) -> set[str]:
    """The normalised name, and the name without its generic words."""
    full = normalize(text)
    if not full:
        return set()
    variants = {full}
    current = full
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if current.endswith(suffix) and len(current) - len(suffix) >= _MIN_LEFT:
                current = current[: -len(suffix)]
                variants.add(current)
                changed = True
                break
    return variants


def spellings(location) -> list[str]:
    """Every name a place is known by, as typed."""
    names = [location.name, location.name_ko, location.name_local, location.slug]
    names += [line.strip() for line in (location.alternate_names or "").splitlines()]
    if location.kind == "country" and location.code:
        names.append(location.code)
    return [n for n in names if n]


# A place's kind said as a word, so that "Jilin Province" is the province, not the city.
KIND_WORDS = {
    "province": ("province", "sheng", "성"),
    "prefecture": ("prefecture", "zhou"),
    "city": ("city", "shi", "시"),
}


def normalized_names(location) -> list[str]:
    """Every normalised name of the place, sorted (a stable name index)."""
    found: set[str] = set()
    for name in spellings(location):
        found |= name_variants(name)
    for word in KIND_WORDS.get(location.kind, ()):
        found |= {normalize(f"{name}{word}") for name in (location.name, location.name_ko) if name}
    return sorted({n[:200] for n in found if n})


def derive(location) -> None:
    """Copy country, province, city and the ancestor path from the parent (already saved)."""
    parent = location.parent if location.parent_id else None
    if parent is None:
        location.path = "/"
        location.province = location.city = ""
        if location.kind == "country" and location.code and len(location.code) == 2:
            location.country = location.code
        elif location.kind == "region":
            location.country = ""
    else:
        location.path = f"{parent.path or '/'}{parent.pk}/"
        location.country = parent.country
        location.province = parent.name if parent.kind == "province" else parent.province
        location.city = parent.name if parent.kind == "city" else parent.city
    if location.kind == "province":
        location.province = location.name
    if location.kind == "city":
        location.city = location.name
