"""Build fixtures/demo.json: demo data taken from the public articles in the shared reference set.

Every object is created through the ORM and checked with `full_clean()` before it is saved, so
the fixture only holds records the application itself accepts. Primary keys and timestamps are
fixed, so running the script twice gives byte-identical output.

Content rules: every fact comes from a public source that was read — the five reference
articles in ../shared/reference and the contemporaneous reports found for them (what was found,
and what could not be confirmed, is in docs/demo-sources.md) — each cited as a Source with a
short quotation; comment threads are not used; city-centre coordinates are public knowledge.
Where sources disagree, each version is a claim, and the preferred one says why. Where a source
gives no exact date, the record uses the vaguer honest date and says so. The one confidential
source is a labelled demo placeholder, not a real interview.

Rebuild (the database must be a throw-away one; the script migrates it and refuses to write
into a database that already holds incidents data):

    rm -f /tmp/demo_build.sqlite3
    cd /work/main && DEBUG=1 DATABASE_URL=sqlite:////tmp/demo_build.sqlite3 \\
        /tmp/venv/bin/python scripts/build_demo_fixture.py

Add `--check` to compare with the committed fixture instead of writing it (exit status 1 if
it differs). Load it into an empty, migrated database with:

    python manage.py loaddata fixtures/demo.json
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
FIXTURE = BASE_DIR / "fixtures" / "demo.json"

# Fixed clock for created/updated/published timestamps, so the output is reproducible.
DEMO_TIME = datetime(2025, 1, 1, 0, 0, tzinfo=UTC)

# Strings that exist only in internal fields. Leak tests can search public pages for them.
MARKER_DRAFT = "DEMO-INTERNAL-DRAFT-NOTE"
MARKER_ARCHIVED = "DEMO-INTERNAL-ARCHIVED-NOTE"
MARKER_PUBLISHED_NOTE = "DEMO-INTERNAL-PUBLISHED-NOTE"
MARKER_GROUP_NOTE = "DEMO-INTERNAL-GROUP-NOTE"
MARKER_CONFIDENTIAL_SOURCE = "DEMO-INTERNAL-CONFIDENTIAL-SOURCE"
MARKER_CONFIDENTIAL_CLAIM = "DEMO-INTERNAL-CONFIDENTIAL-CLAIM"


MARKER_ACTOR_NOTE = "DEMO-INTERNAL-ACTOR-NOTE"
MARKER_CONFIDENTIAL_FIGURE = "DEMO-INTERNAL-CONFIDENTIAL-FIGURE"


def _when(text: str | None) -> dict:
    """Vague-date fields from a date written as reported, via the app's own parser."""
    if not text:
        return {"date_earliest": None, "date_latest": None, "date_precision": ""}
    from incidents.vague import parse_vague_date

    vd = parse_vague_date(text)
    return {
        "date_earliest": vd.earliest,
        "date_latest": vd.latest,
        "date_precision": str(vd.precision),
    }


def _count(part: str, text: str | None) -> dict:
    """Count columns from a count written as reported ("at least 13", "27–29", "1–2")."""
    from incidents.vague import parse_count

    count = parse_count(text or "")
    return {
        f"{part}_value": count.value,
        f"{part}_high": count.value_high,
        f"{part}_qualifier": count.qualifier,
    }


def _save(obj):
    obj.full_clean(validate_constraints=False)
    obj.save()
    return obj


def build() -> None:  # noqa: C901 (one demo, read top to bottom)
    """Create the demo objects in the current (empty) database."""
    from incidents.models import (
        Actor,
        Circumstance,
        Citation,
        CountClaim,
        CustodyEvent,
        DateClaim,
        DetaineeGroup,
        Estimate,
        EstimateSource,
        EventActor,
        EventKind,
        Incident,
        Location,
        Outcome,
        Source,
        Status,
    )
    from incidents.vague import parse_count

    K = Location.Kind
    C = Circumstance

    # -- Places: the hierarchy, then the places incidents name ----------------------------------
    def place(pk, name, *, kind=K.CITY, parent=None, code="", ko="", local="", lat=None,
              lon=None, public=True, precision="city", other="", notes=""):  # fmt: skip
        return _save(
            Location(
                pk=pk, name=name, name_ko=ko, name_local=local, kind=kind, parent=parent,
                code=code, alternate_names=other, latitude=lat, longitude=lon,
                coordinate_precision=precision if lat is not None else "",
                coordinates_public=public if lat is not None else False,
                notes_internal=notes,
            )
        )  # fmt: skip

    china = place(1, "China", kind=K.COUNTRY, code="CN", ko="중국", local="中国")
    russia = place(2, "Russia", kind=K.COUNTRY, code="RU", ko="러시아", local="Россия")
    south_korea = place(
        3, "South Korea", kind=K.COUNTRY, code="KR", ko="대한민국", local="대한민국"
    )
    north_korea = place(4, "North Korea", kind=K.COUNTRY, code="KP", ko="북한",
                        local="조선민주주의인민공화국")  # fmt: skip
    southeast_asia = place(
        5, "Southeast Asia", kind=K.REGION, ko="동남아시아",
        notes="For reports that name only 'a Southeast Asian country'.",
    )  # fmt: skip
    liaoning = place(6, "Liaoning", kind=K.PROVINCE, parent=china, ko="랴오닝성", local="辽宁省",
                     other="Liaoning Sheng")  # fmt: skip
    jilin = place(7, "Jilin", kind=K.PROVINCE, parent=china, ko="지린성", local="吉林省",
                  other="Jilin Sheng")  # fmt: skip
    shandong = place(8, "Shandong", kind=K.PROVINCE, parent=china, ko="산둥성", local="山东省",
                     other="Shandong Sheng")  # fmt: skip
    yunnan = place(9, "Yunnan", kind=K.PROVINCE, parent=china, ko="윈난성", local="云南省",
                   other="Yunnan Sheng")  # fmt: skip
    beijing_m = place(10, "Beijing", kind=K.PROVINCE, parent=china, ko="베이징", local="北京市",
                      other="Beijing Shi")  # fmt: skip
    shanghai_m = place(11, "Shanghai", kind=K.PROVINCE, parent=china, ko="상하이", local="上海市",
                       other="Shanghai Shi")  # fmt: skip
    yanbian = place(
        12, "Yanbian Korean Autonomous Prefecture", kind=K.PREFECTURE, parent=jilin,
        ko="연변 조선족 자치주", local="延边朝鲜族自治州", other="Yanbian\n옌볜",
    )  # fmt: skip
    shenyang = place(13, "Shenyang", parent=liaoning, ko="선양", local="沈阳",
                     other="Mukden\n瀋陽", lat="41.805700", lon="123.431500")  # fmt: skip
    dandong = place(14, "Dandong", parent=liaoning, ko="단둥", local="丹东",
                    lat="40.124300", lon="124.394500")  # fmt: skip
    qingdao = place(15, "Qingdao", parent=shandong, ko="칭다오", local="青岛",
                    other="Tsingtao\n靑島", lat="36.067100", lon="120.382600")  # fmt: skip
    kunming = place(16, "Kunming", parent=yunnan, ko="쿤밍", local="昆明",
                    lat="25.038900", lon="102.718300")  # fmt: skip
    tumen = place(17, "Tumen", parent=yanbian, ko="투먼", local="图们", other="圖們",
                  lat="42.966700", lon="129.833300")  # fmt: skip
    tumen_guard = place(
        18, "Tumen border guard detention facility", kind=K.DETENTION_CENTRE, parent=tumen,
        ko="투먼 변방부대 수용소", lat="42.966700", lon="129.833300",
        notes="Named as Yonhap (12 Aug 2014) and Chosun Ilbo describe it: '투먼(圖們) 변방부대 "
        "수용소' / '투먼(圖們) 변방대'. Coordinates are the town centre, not the facility.",
    )  # fmt: skip
    beijing = place(19, "Beijing", parent=beijing_m, ko="베이징", local="北京",
                    lat="39.904200", lon="116.407400")  # fmt: skip
    embassy_beijing = place(
        20, "South Korean Embassy in Beijing", kind=K.DIPLOMATIC_MISSION, parent=beijing,
        ko="주중국 대한민국 대사관", local="大韩民国驻华大使馆", lat="39.904200",
        lon="116.407400", notes="Coordinates are the city centre.",
    )  # fmt: skip
    shanghai = place(21, "Shanghai", parent=shanghai_m, ko="상하이", local="上海",
                     lat="31.230400", lon="121.473700")  # fmt: skip
    consulate_shanghai = place(
        22, "South Korean Consulate General in Shanghai", kind=K.DIPLOMATIC_MISSION,
        parent=shanghai, ko="주상하이 대한민국 총영사관", local="大韩民国驻上海总领事馆",
        lat="31.230400", lon="121.473700", notes="Coordinates are the city centre.",
    )  # fmt: skip
    consulate_shenyang = place(
        23, "South Korean Consulate General in Shenyang", kind=K.DIPLOMATIC_MISSION,
        parent=shenyang, ko="주선양 대한민국 총영사관", local="大韩民国驻沈阳总领事馆",
        lat="41.805700", lon="123.431500", notes="Coordinates are the city centre.",
    )  # fmt: skip
    moscow_region = place(24, "Moscow", kind=K.PROVINCE, parent=russia, ko="모스크바",
                          local="Москва", other="Moskva")  # fmt: skip
    moscow = place(25, "Moscow", parent=moscow_region, ko="모스크바", local="Москва",
                   lat="55.755800", lon="37.617300")  # fmt: skip
    moscow_site = place(
        26, "Construction site in Moscow", kind=K.WORKSITE, parent=moscow,
        ko="모스크바 건설 현장", notes="Exact site unknown; keep coordinates off for worksites.",
    )  # fmt: skip
    seoul = place(27, "Seoul", parent=south_korea, ko="서울", local="서울",
                  lat="37.566500", lon="126.978000")  # fmt: skip
    china_prison = place(
        28, "Prison in China (unnamed)", kind=K.PRISON, parent=china,
        ko="중국 내 교도소 (이름 미상)", notes="The 2012 blog post says only 'a Chinese prison'.",
    )  # fmt: skip
    sinuiju = place(29, "Sinuiju", parent=north_korea, ko="신의주", local="신의주",
                    lat="40.100600", lon="124.398200")  # fmt: skip

    # -- Actors ---------------------------------------------------------------------------------
    def actor(pk, name, kind, country, *, parent=None, ko="", local="", notes=""):
        return _save(Actor(pk=pk, name=name, kind=kind, country=country, parent=parent,
                           name_ko=ko, name_local=local, notes_internal=notes))  # fmt: skip

    A = Actor.Kind
    china_police = actor(1, "Chinese public security (police)", A.POLICE, "CN", ko="중국 공안",
                         local="公安")  # fmt: skip
    liaoning_police = actor(
        2, "Liaoning provincial public security", A.POLICE, "CN", parent=china_police,
        ko="랴오닝성 공안",
        notes=f"{MARKER_ACTOR_NOTE}: the reports do not name the unit; 'Liaoning Province "
        "security forces' (Daily NK), '랴오닝성 소속' public security in plain clothes (Newsis).",
    )  # fmt: skip
    kunming_psb = actor(3, "Kunming public security bureau", A.POLICE, "CN", parent=china_police,
                        ko="쿤밍 공안국")  # fmt: skip
    tumen_border = actor(4, "Tumen border guard unit", A.BORDER_GUARD, "CN", ko="투먼 변방대",
                         local="图们边防")  # fmt: skip
    kp_ssd = actor(5, "North Korean State Security Department", A.STATE_SECURITY, "KP",
                   ko="국가보위부")  # fmt: skip
    traffic_police = actor(6, "Shenyang traffic police", A.POLICE, "CN", parent=china_police,
                           ko="선양 교통경찰")  # fmt: skip

    # -- Sources: what was read, where, and when (dates only as precise as the copy) --------------
    def source(pk, title, *, publisher, when, kind, reliability, url="", language="en",
               relays=None, notes="", confidential=False):  # fmt: skip
        return _save(
            Source(
                pk=pk, title=title, publisher=publisher, url=url, kind=kind, language=language,
                reliability=reliability, relays=relays, notes_internal=notes,
                confidential=confidential, **_when(when),
            )
        )  # fmt: skip

    S, R = Source.Kind, Source.Reliability
    herald_editorial = source(
        1, "[Editorial] Humane China: Beijing must stop repatriating N.K. defectors",
        publisher="The Korea Herald", when="28 July 2014", kind=S.EDITORIAL, reliability=R.B,
        url="http://www.koreaherald.com/view.php?ud=20140728000348",
        notes="The saved copy carries no date and the text gives no year; the date is the "
        "Herald's ud=20140728… address pattern (checked against other Herald addresses). "
        "Reference file koreaherald-editorial-humane-china.txt.",
    )  # fmt: skip
    chosun_0723 = source(
        2, "N.Korean Defectors, Helpers Arrested in China", publisher="The Chosun Ilbo (English)",
        when="23 July 2014", kind=S.NEWS, reliability=R.B,
        url="https://english.chosun.com/site/data/html_dir/2014/07/23/2014072301704.html",
    )  # fmt: skip
    chosun_0724 = source(
        3, "Seoul Pledges to Save Defectors from Repatriation",
        publisher="The Chosun Ilbo (English)", when="24 July 2014", kind=S.NEWS, reliability=R.B,
        url="http://english.chosun.com/site/data/html_dir/2014/07/24/2014072401699.html",
    )  # fmt: skip
    kbs = source(
        4, "[단독] 중국, 탈북자 4가족 등 27명 검거 '북송 위기'", publisher="KBS",
        when="22 July 2014", kind=S.NEWS, reliability=R.B, language="ko",
        url="https://news.kbs.co.kr/news/pc/view/view.do?ncd=2898207",
    )  # fmt: skip
    kbs_world = source(
        5, "", publisher="KBS World Radio (Spanish service)", when="July 2014", kind=S.NEWS,
        reliability=R.B, language="es", relays=kbs,
        url="http://world.kbs.co.kr/service/news_vod_view.htm?Seq_Code=41200&lang=s&menu_cate=Ec",
        notes="The copy shows no title or date; it follows the KBS report of 22 July 2014.",
    )  # fmt: skip
    amnesty_2014 = source(
        6, "China: Families face forcible return to North Korea (ASA 17/039/2014)",
        publisher="Amnesty International", when="29 July 2014", kind=S.NGO_REPORT,
        reliability=R.A, url="https://www.amnesty.org/es/documents/asa17/039/2014/es/",
        notes="Urgent Action; dated 29 July 2014 in the stopnkcrimes.org listing.",
    )  # fmt: skip
    dailynk_2014 = source(
        7, "China Increases Arrests After Repatriating 20", publisher="Daily NK",
        when="August 2014", kind=S.NEWS, reliability=R.C,
        url="http://www.dailynk.com/english/read.php?num=12199&cataId=nk00100",
        notes="Undated copy; it mentions 'August 12' and its article number falls before one "
        "listed as 23 August 2014, hence August 2014. A single unnamed diplomatic source.",
    )  # fmt: skip
    onefreekorea = source(
        8, "29 N. Koreans arrested in China at risk of repatriation and execution",
        publisher="One Free Korea", when="July 2014", kind=S.BLOG, reliability=R.D,
        relays=chosun_0723,
        url="https://freekorea.us/2014/07/29-n-koreans-arrested-in-china-at-risk-of-"
        "repatriation-and-execution",
        notes="Quotes the Chosun Ilbo report of 23 July 2014.",
    )  # fmt: skip
    yonhap_2014 = source(
        9, "", publisher="Yonhap", when="12 August 2014", kind=S.NEWS, reliability=R.B,
        language="ko",
        url="http://www.yonhapnews.co.kr/bulletin/2014/08/12/0200000000AKR20140812164900014.HTML",
    )  # fmt: skip
    afp_2013 = source(
        10, "N. Korean refugees 'arrested in Kunming'", publisher="AFP (via MSN)",
        when="18 November 2013", kind=S.NEWS, reliability=R.B,
        url="http://news.xin.msn.com/en/regional/n-korean-refugees-arrested-in-kunming-1",
    )  # fmt: skip
    joongang_2013 = source(
        11, "15 defectors nabbed by China police in Kunming", publisher="Korea JoongAng Daily",
        when="November 2013", kind=S.NEWS, reliability=R.B,
        url="https://koreajoongangdaily.joins.com/news/article/article.aspx?aid=2980672",
        notes="The copy shows no date; it reports the 15 November 2013 arrest 'Friday'.",
    )  # fmt: skip
    herald_2013 = source(
        12, "", publisher="The Korea Herald (Yonhap)", when="18 November 2013", kind=S.NEWS,
        reliability=R.B, url="http://koreaherald.com/view.php?ud=20131118000745",
        notes="Date from the address (ud=20131118…).",
    )  # fmt: skip
    voa_2013 = source(
        13, "Activists: China Arrests North Korean Defectors, Guides in Kunming",
        publisher="Voice of America", when="November 2013", kind=S.NEWS, reliability=R.B,
        url="http://www.voanews.com/content/activists-china-arrests-north-korean-defectors-"
        "guides-in-kunming/1792758.html",
    )  # fmt: skip
    dailynk_2013 = source(
        14, "쿤밍 체포 탈북자 15人 오늘 랴오닝으로 압송", publisher="Daily NK (Korean)",
        when="November 2013", kind=S.NEWS, reliability=R.C, language="ko",
        url="https://www.dailynk.com/쿤밍-체포-탈북자-15人-오늘-랴오닝/",
    )  # fmt: skip
    scmp_2013 = source(
        15, "", publisher="South China Morning Post", when="21 November 2013", kind=S.NEWS,
        reliability=R.B,
        url="http://www.scmp.com/news/china-insider/article/1361828/china-arrested-dozens-north-"
        "korean-defectors-says-south-korean",
        notes="Reports the Chosun Ilbo.",
    )  # fmt: skip
    hrw_2017 = source(
        16, "China: Don't Force 8 Refugees Back to North Korea", publisher="Human Rights Watch",
        when="23 April 2017", kind=S.NGO_REPORT, reliability=R.A,
        url="https://www.hrw.org/news/2017/04/23/china-dont-force-8-refugees-back-north-korea",
        notes="Date from the address.",
    )  # fmt: skip
    scmp_2017 = source(
        17, "Rights group urges China to release North Korean refugees",
        publisher="South China Morning Post", when="25 April 2017", kind=S.NEWS, reliability=R.B,
        url="http://www.scmp.com/news/china/diplomacy-defence/article/2090210/rights-group-"
        "urges-china-release-north-korean-refugees",
    )  # fmt: skip
    oped_2017 = source(
        18, "Is Beijing Serious About Restraining Kim Regime?",
        publisher="World Affairs (Gordon G. Chang's blog)", when="2017", kind=S.EDITORIAL,
        reliability=R.C,
        url="http://www.worldaffairsjournal.org/blog/gordon-g-chang/beijing-serious-about-"
        "restraining-kim-regime",
        notes="The copy shows no date; 'On Monday' is the Monday of the HRW statement "
        "(24 April 2017), so it was published on or after that day. Reference file "
        "oped-2017-eight-detained-shenyang.txt.",
    )  # fmt: skip
    donga_2012 = source(
        19, "China repatriated 31 North Korean defectors: sources",
        publisher="Dong-A Ilbo (English)", when="9 March 2012", kind=S.NEWS, reliability=R.B,
        url="http://english.donga.com/List/3/all/26/403332/1?m=kor",
    )  # fmt: skip
    askakorean = source(
        20, "Ask a Korean! News: 31 North Korean Defectors Were Repatriated",
        publisher="Ask a Korean!", when="8 March 2012", kind=S.BLOG, reliability=R.D,
        url="http://askakorean.blogspot.com/2012/03/ask-korean-news-31-north-korean.html",
        notes="Relays a Dong-A Ilbo report by Joo Seong-ha; the Korean original was not found.",
    )  # fmt: skip
    marmot_2012 = source(
        21, "China sent back North Korean defectors", publisher="The Marmot's Hole",
        when="9 March 2012", kind=S.BLOG, reliability=R.D, relays=askakorean,
        url="http://www.rjkoehler.com/2012/03/09/china-sent-back-north-korean-defectors/",
        notes="Date from the address. Its comment thread is opinion and was not used. "
        "Reference file blog-2012-china-sent-back-31.txt.",
    )  # fmt: skip
    joongang_2012 = source(
        22, "Six defectors allowed to leave China", publisher="Korea JoongAng Daily",
        when="17 May 2012", kind=S.NEWS, reliability=R.B,
        url="https://koreajoongangdaily.joins.com/2012/05/17/socialAffairs/"
        "Six-defectors-allowed-to-leave-China/2953057.html",
        notes="Date from the address (2012/05/17).",
    )  # fmt: skip
    forum_2016 = source(
        23, "Why Is China So Tough on N.Korean Defectors?", publisher="Forum thread (unnamed)",
        when="2016", kind=S.BLOG, reliability=R.F,
        notes="Forum thread reposting press items without naming the outlets; one item is "
        "UPI's of 13 October 2016. Replies are opinion and were not used. Reference file "
        "forum-2016-defectors-in-diplomatic-missions.txt.",
    )  # fmt: skip
    upi_2016 = source(
        24, "North Koreans in China, Russia seeking safe passage to South Korea", publisher="UPI",
        when="13 October 2016", kind=S.NEWS, reliability=R.B,
        url="http://www.upi.com/Top_News/World-News/2016/10/13/North-Koreans-in-China-Russia-"
        "seeking-safe-passage-to-South-Korea/7511476384888/",
        notes="Cites Channel A (Moscow workers) and YTN (the embassy interpreter); the "
        "broadcasts themselves were not found.",
    )  # fmt: skip
    donga_2016 = source(
        25, "[단독]탈북 감시단 통역도 탈북", publisher="Dong-A Ilbo", when="13 October 2016",
        kind=S.NEWS, reliability=R.B, language="ko",
        url="https://www.donga.com/news/amp/all/20161013/80764386/1",
    )  # fmt: skip
    herald_2004 = source(
        26, "NK Defectors in China Remain Concern", publisher="The Korea Herald",
        when="30 July 2004", kind=S.NEWS, reliability=R.B,
        notes="By Seo Hyun-jin. Saved copy is prefaced by a YaleGlobal summary, which miswrites "
        "the civic groups' estimate; do not cite the summary. Reference file "
        "koreaherald-2004-defectors-in-china.txt.",
    )  # fmt: skip
    bbc_2004 = source(
        27, "More N Koreans airlifted to South", publisher="BBC News", when="28 July 2004",
        kind=S.NEWS, reliability=R.A, url="http://news.bbc.co.uk/2/hi/asia-pacific/3931873.stm",
    )  # fmt: skip
    donga_2004 = source(
        28, "Second Group of North Korean Defectors Enters Korea Safely",
        publisher="Dong-A Ilbo (English)", when="28 July 2004", kind=S.NEWS, reliability=R.B,
        url="https://www.donga.com/en/article/all/20040728/236345/1",
    )  # fmt: skip
    uscr_2004 = source(
        29, "World Refugee Survey 2004 – North Korea", publisher="U.S. Committee for Refugees",
        when="25 May 2004", kind=S.NGO_REPORT, reliability=R.B,
        url="http://www.refworld.org/publisher,USCRI,,PRK,40b459430,0.html",
    )  # fmt: skip
    confidential = source(
        30, "Caseworker interview (confidential)", publisher="Refoulement Watch",
        when="2017", kind=S.TESTIMONY, reliability=R.F, confidential=True,
        notes=f"{MARKER_CONFIDENTIAL_SOURCE}: demo placeholder exercising the privacy rules. "
        "No real interview exists behind this record.",
    )  # fmt: skip

    # -- Incident helpers -------------------------------------------------------------------------
    def incident(pk, title, when, summary, *, status=Status.PUBLISHED, notes=""):
        return _save(
            Incident(
                pk=pk, title=title, summary=summary, status=status, notes_internal=notes,
                published_at=DEMO_TIME if status == Status.PUBLISHED else None, **_when(when),
            )
        )  # fmt: skip

    def group(pk, inc, seq, label, outcome, *, at=None, parent=None, notes="", nationality=(),
              helpers_about="", **counts):  # fmt: skip
        fields = {}
        for part in ("size", "women", "men", "minors", "helpers"):
            fields |= _count(part, counts.get(part))
        return _save(
            DetaineeGroup(
                pk=pk, incident=inc, sequence=seq, label=label, arrest_location=at,
                parent=parent, outcome=outcome, notes_internal=notes,
                helpers_nationality=list(nationality), helpers_description=helpers_about,
                **fields,
            )
        )  # fmt: skip

    claim_pk = iter(range(1, 1000))

    def figure(grp, part, text, src, *, wording="", quote="", preferred=False, why=""):
        count, n = parse_count(text), next(claim_pk)
        return _save(
            CountClaim(
                pk=n, group=grp, part=part, value=count.value, value_high=count.value_high,
                qualifier=count.qualifier, source=src, wording=wording, quotation=quote,
                preferred=preferred, preferred_reason=why, sequence=n,
            )
        )  # fmt: skip

    date_claim_pk = iter(range(1, 1000))

    def dated(inc, text, src, *, wording="", quote="", preferred=False, why=""):
        n = next(date_claim_pk)
        return _save(
            DateClaim(
                pk=n, incident=inc, source=src, wording=wording, quotation=quote,
                preferred=preferred, preferred_reason=why, sequence=n, **_when(text),
            )
        )  # fmt: skip

    def event(pk, grp, seq, kind, when, *, at=None, description="", notes="", how="",
              how_text=""):  # fmt: skip
        return _save(
            CustodyEvent(
                pk=pk, group=grp, sequence=seq, kind=kind, location=at,
                description=description, notes_internal=notes, circumstance=how,
                circumstance_text=how_text, **_when(when),
            )
        )  # fmt: skip

    part_pk = iter(range(1, 1000))

    def acted(ev, who, role):
        return _save(EventActor(pk=next(part_pk), event=ev, actor=who, role=role))

    citation_pk = iter(range(1, 1000))

    def cite(inc, src, claim, *, grp=None, ev=None, locator=""):
        return _save(
            Citation(
                pk=next(citation_pk), incident=inc, source=src, group=grp, event=ev,
                claim=claim, locator=locator,
            )
        )  # fmt: skip

    Role = EventActor.Role

    # a) 29 North Koreans arrested in Qingdao and Kunming, July 2014. Sources disagree on the
    #    days, the numbers and the helpers: every version is kept.
    inc = incident(
        1,
        "29 North Koreans arrested in Qingdao and Kunming, held in Tumen",
        "15-17 July 2014",
        "Chinese public security arrested 29 North Koreans who were trying to reach South Korea "
        "through a third country, 20 in Qingdao and 9 in Kunming, between 15 and 17 July 2014, "
        "together with the people helping them; the group, four families including a "
        "one-year-old baby, had split up because travelling together was dangerous. They were "
        "taken to a border guard detention facility in Tumen to await repatriation. Reports "
        "differ: KBS counted 27 (9 in Qingdao, 18 in Kunming) arrested on 18 and 19 July, and "
        "the helpers are given as five, six or seven. Daily NK later reported, citing a single "
        "diplomatic source, that the group was sent back across the Tumen River in early "
        "August 2014; no other source has confirmed it.",
        notes=f"{MARKER_PUBLISHED_NOTE}: dated from Chosun Ilbo (23 July 2014), Amnesty (29 July "
        "2014) and the Korea Herald editorial's address; the 2017 date once entered here came "
        "from a different Kunming arrest reported in July 2017.",
    )  # fmt: skip
    dated(inc, "15-17 July 2014", chosun_0723, preferred=True,
          why="Chosun Ilbo, Amnesty International and the Korea Herald agree",
          quote="Twenty-nine North Korean defectors and five of their South Korean helpers were "
          "arrested in China on July 15-17.")  # fmt: skip
    dated(
        inc,
        "18-19 July 2014",
        kbs,
        wording="9 in Qingdao on the 18th, 18 in Kunming the next day",
        quote="지난 18일 중국 칭다오의 비밀숙소에서 9명이, 다음날 쿤밍에서 18명이 붙잡혔습니다.",
    )
    g_all = group(
        1, inc, 1, "29 North Koreans in two groups", Outcome.REPATRIATED, size="29",
        helpers="6", nationality=("CN", "KR"),
        helpers_about="local Chinese guides and a North Korean defector resettled in South "
        "Korea (VOA); Chosun Ilbo called them South Korean helpers",
        notes=f"{MARKER_GROUP_NOTE}: one helper named in the press; keep names out of the record.",
    )  # fmt: skip
    figure(g_all, "size", "29", chosun_0723, wording="29 North Korean defectors",
           quote="Twenty-nine North Korean defectors", preferred=True,
           why="Chosun Ilbo, the Korea Herald and Amnesty agree on 29")  # fmt: skip
    figure(g_all, "size", "27", kbs, wording="27명", quote="탈북자 4가족 등 27명 검거")
    figure(g_all, "size", "27", yonhap_2014, wording="탈북자 27명")
    figure(
        g_all,
        "helpers",
        "6",
        chosun_0724,
        wording="six of their South Korean helpers",
        quote="the defectors and six of their South Korean helpers were arrested",
        preferred=True,
        why="the later Chosun report, Amnesty and the Korea Herald say six",
    )
    figure(g_all, "helpers", "5", chosun_0723, wording="five of their South Korean helpers")
    figure(g_all, "helpers", "7", dailynk_2014,
           wording="six Chinese guides and a North Korean defector with South Korean citizenship",
           quote="Six Chinese guides assisting the group and a North Korean defector with South "
           "Korean citizenship were also apprehended")  # fmt: skip
    g_qd = group(2, inc, 2, "Qingdao group", Outcome.REPATRIATED, at=qingdao, parent=g_all,
                 size="20")  # fmt: skip
    figure(g_qd, "size", "20", chosun_0723, wording="20 defectors were arrested in Qingdao",
           preferred=True, why="with 9 in Kunming, matches the 29 most sources give")  # fmt: skip
    figure(g_qd, "size", "9", kbs, wording="칭다오의 비밀숙소에서 9명")
    g_km = group(3, inc, 3, "Kunming group", Outcome.REPATRIATED, at=kunming, parent=g_all,
                 size="9")  # fmt: skip
    figure(g_km, "size", "9", chosun_0723, wording="nine others in Kunming", preferred=True,
           why="with 20 in Qingdao, matches the 29 most sources give")  # fmt: skip
    figure(g_km, "size", "18", kbs, wording="쿤밍에서 18명")
    e_qd = event(
        1, g_qd, 1, EventKind.ARRESTED, "15 July 2014", at=qingdao, how=C.BUS_OR_TRAIN_CHECK,
        how_text="public security officers were waiting as a helper boarded a bus to catch a "
        "ship to South Korea (Chosun Ilbo, Korean edition)",
    )  # fmt: skip
    acted(e_qd, china_police, Role.ARRESTED)
    e_km = event(
        2, g_km, 1, EventKind.ARRESTED, "15-17 July 2014", at=kunming, how=C.OTHER,
        how_text="travelling on an established escape route to Southeast Asia",
    )  # fmt: skip
    acted(e_km, china_police, Role.ARRESTED)
    transfer = "taken to a detention centre in the border town of Tumen to await repatriation"
    e_t = event(3, g_all, 1, EventKind.TRANSFERRED, "15-31 July 2014", at=tumen_guard,
                description=transfer)  # fmt: skip
    acted(e_t, tumen_border, Role.HELD)
    e_rep = event(
        4, g_all, 2, EventKind.REPATRIATED, "early August 2014", at=tumen,
        description="sent back across the Tumen River (Daily NK, citing one diplomatic source)",
    )  # fmt: skip
    cite(inc, herald_editorial, "Chinese officials rounded up 29 North Korean defectors and six "
         "people who were helping their escape to South Korea via a third country")  # fmt: skip
    cite(
        inc,
        chosun_0723,
        "Kwon Na-hyun of an activist group for defectors on Tuesday said 20 "
        "defectors were arrested in Qingdao and nine others in Kunming.",
        grp=g_qd,
        ev=e_qd,
    )
    cite(inc, chosun_0723, "Nine of them left for Kunming on July 14, because it would have been "
         "dangerous if all 29 defectors traveled together", grp=g_km)  # fmt: skip
    cite(inc, chosun_0724, "The Tumen detention center is stopping the families from speaking "
         "to them.", grp=g_all, ev=e_t)  # fmt: skip
    cite(inc, amnesty_2014, "Four North Korean families were detained by Chinese authorities in "
         "Shandong and Yunnan provinces between 15 and 17 July, along with six people who were "
         "assisting them.")  # fmt: skip
    cite(inc, kbs, "투먼 국경경비대에 넘겨진 것으로", grp=g_all, ev=e_t)
    cite(inc, kbs_world, "fueron entregados a la guardia fronteriza china de Tumen", grp=g_all,
         ev=e_t)  # fmt: skip
    cite(inc, yonhap_2014, "투먼(圖們) 변방부대 수용소로 이송된 것으로 알려졌다", grp=g_all, ev=e_t)
    cite(inc, onefreekorea, "", grp=g_all)
    cite(inc, dailynk_2014, "The group was repatriated via the Tumen River at the beginning of "
         "this month", grp=g_all, ev=e_rep)  # fmt: skip

    # b) Kunming, 15 November 2013: 15, "at least 13", or 11 North Koreans and 2 guides.
    inc = incident(
        10,
        "North Koreans arrested in Kunming by police from Liaoning",
        "15 November 2013",
        "On 15 November 2013 police arrested a group of North Koreans in Kunming as they were "
        "about to board a bus towards a Southeast Asian country. The officers were not from "
        "Yunnan but from Liaoning province, on the North Korean border, and wore plain clothes; "
        "they had followed the group. Two of those caught fled. The group was taken to the "
        "Kunming public security bureau and then, reportedly, to Liaoning (Dandong). Reports "
        "give 15 (Dong-A Ilbo), at least 13 (Yonhap) or 11 North Koreans and two ethnic-Korean "
        "Chinese guides. Whether they were sent back was not confirmed.",
    )  # fmt: skip
    dated(inc, "15 November 2013", afp_2013, preferred=True,
          why="AFP, Daily NK and Korean outlets agree on Friday 15 November",
          quote="Chinese police on Friday arrested the 13")  # fmt: skip
    g_held = group(
        4, inc, 1, "Held in Kunming", Outcome.UNKNOWN, at=kunming, size="11", helpers="2",
        nationality=("CN",),
        helpers_about="ethnic Koreans with Chinese citizenship acting as guides",
    )  # fmt: skip
    figure(g_held, "size", "11", herald_2013,
           wording="13 people were caught … two were ethnic Koreans with Chinese citizenship",
           quote="13 people were caught in Kunming last Friday. Of those arrested, two were "
           "ethnic Koreans with Chinese citizenship who were acting as guides.", preferred=True,
           why="Yonhap and VOA separate the two guides from the North Koreans")  # fmt: skip
    figure(
        g_held,
        "size",
        "at least 13",
        afp_2013,
        wording="at least 13 (Yonhap, via AFP)",
        quote="Chinese police on Friday arrested the 13 who were trying to board a bus",
    )
    figure(
        g_held,
        "size",
        "15",
        afp_2013,
        wording="15 (Dong-A Ilbo, via AFP)",
        quote="Dong-A Ilbo newspaper also reported the arrests but put the number at 15.",
    )
    figure(
        g_held,
        "helpers",
        "2",
        voa_2013,
        wording="their two guides",
        preferred=True,
        quote="Chinese police detained the 11 defectors and their two guides on Friday",
    )
    g_fled = group(5, inc, 2, "Fled before being caught", Outcome.ESCAPED, at=kunming, size="2")
    figure(g_fled, "size", "2", joongang_2013, wording="two of the 15 defectors fled",
           quote="two of the 15 defectors fled before being cau[ght]", preferred=True)  # fmt: skip
    e_arr = event(
        5, g_held, 1, EventKind.ARRESTED, "15 November 2013", at=kunming, how=C.OTHER,
        how_text="as they prepared to take a bus across the border, by plain-clothes police from "
        "Liaoning province who had followed them",
    )  # fmt: skip
    acted(e_arr, liaoning_police, Role.ARRESTED)
    e_psb = event(6, g_held, 2, EventKind.DETAINED, "15-18 November 2013", at=kunming,
                  description="taken to the public security bureau in Kunming")  # fmt: skip
    acted(e_psb, kunming_psb, Role.HELD)
    e_move = event(7, g_held, 3, EventKind.TRANSFERRED, "15-21 November 2013", at=dandong,
                   description="moved to Liaoning province (Dandong)")  # fmt: skip
    acted(e_move, liaoning_police, Role.TRANSFERRED)
    e_esc = event(8, g_fled, 1, EventKind.ESCAPED, "15 November 2013", at=kunming)
    cite(
        inc,
        joongang_2013,
        "The Chinese policemen were not from Yunnan Province but northern "
        "Liaoning Province, which borders North Korea, the Dong-A said.",
        grp=g_held,
        ev=e_arr,
    )
    cite(inc, joongang_2013, "When they arrested the defectors, the policemen were in plain "
         "clothes, not uniform", grp=g_held, ev=e_arr)  # fmt: skip
    cite(inc, dailynk_2013, "쿤밍 공안국으로 이송", grp=g_held, ev=e_psb)
    cite(inc, scmp_2013, "The 13 defectors detained in Kunming were transferred to Dandong",
         grp=g_held, ev=e_move)  # fmt: skip
    cite(inc, scmp_2013, "Some of them were believed to have been repatriated but the Chosun "
         "Ilbo said it was unable to confirm their deportation.", grp=g_held)  # fmt: skip
    cite(inc, joongang_2013, "two of the 15 defectors fled before being cau[ght]", grp=g_fled,
         ev=e_esc)  # fmt: skip

    # c) Eight stopped at a traffic check in Shenyang, mid-March 2017.
    inc = incident(
        2,
        "Eight North Koreans stopped at a traffic check in Shenyang",
        "mid-March 2017",
        "Traffic police stopped a vehicle carrying eight North Koreans, at least four of them "
        "women, during what appeared to be a random check in Shenyang, Liaoning province, in "
        "mid-March 2017, and took them to a police station because they had no valid "
        "identification. Human Rights Watch asked China on 23–24 April 2017 not to send them "
        "back. Their fate has not been reported.",
    )  # fmt: skip
    g8 = group(6, inc, 1, "Group of eight", Outcome.UNKNOWN, at=shenyang, size="8",
               women="at least 4")  # fmt: skip
    figure(g8, "size", "8", hrw_2017, wording="a group of eight North Koreans", preferred=True,
           why="Human Rights Watch, Reuters, SCMP and VOA all give eight",
           quote="Chinese government officials detained a group of eight North Koreans in "
           "mid-March 2017")  # fmt: skip
    figure(g8, "women", "at least 4", scmp_2017, wording="including at least four women",
           preferred=True)  # fmt: skip
    e_stop = event(
        9, g8, 1, EventKind.ARRESTED, "mid-March 2017", at=shenyang, how=C.TRAFFIC_OR_ID_CHECK,
        how_text="a random road check; no valid identification documents",
    )  # fmt: skip
    acted(e_stop, traffic_police, Role.ARRESTED)
    e_hrw = event(
        10,
        g8,
        2,
        EventKind.REPORTED,
        "23-24 April 2017",
        description="Human Rights Watch asked China not to send the group back.",
    )
    cite(inc, hrw_2017, "Traffic police stopped their vehicle in the middle of the night",
         grp=g8, ev=e_stop)  # fmt: skip
    cite(inc, hrw_2017, "after realizing the travelers did not have valid identification "
         "documents, took the group to a local police station", grp=g8, ev=e_stop)  # fmt: skip
    cite(inc, scmp_2017, "The eight North Koreans – including at least four women – were "
         "detained by Chinese officials in mid-March", grp=g8)  # fmt: skip
    cite(
        inc,
        oped_2017,
        "On Monday, Human Rights Watch asked China to immediately reveal the "
        "location of where it is holding eight North Korean defectors.",
        grp=g8,
        ev=e_hrw,
    )
    cite(inc, confidential,
         f"{MARKER_CONFIDENTIAL_CLAIM}: demo placeholder for an interview note kept offline.",
         grp=g8)  # fmt: skip
    figure(g8, "size", "7", confidential, wording="seven and a broker",
           quote=f"{MARKER_CONFIDENTIAL_FIGURE}: demo placeholder")  # fmt: skip

    # d) 31 sent back in 2012 after arrests on 8–12 February.
    inc = incident(
        3,
        "31 North Koreans sent back by China despite South Korea's appeals",
        "8-12 February 2012",
        "Chinese public security agents arrested 31 North Koreans between 8 and 12 February "
        "2012, elderly people and minors among them, including a five-year-old child. China "
        "sent them all back, Dong-A Ilbo reported on 8–9 March 2012; ten arrested in Shenyang "
        "on 8 February were then held in a State Security Department jail in Sinuiju. A blog "
        "relaying the report said South Korea's president had formally asked China not to "
        "repatriate them a week earlier; that request could not be confirmed.",
    )  # fmt: skip
    g31 = group(7, inc, 1, "Group of 31", Outcome.REPATRIATED, size="31", minors="at least 1")
    figure(g31, "size", "31", donga_2012, wording="The 31 defectors", preferred=True,
           why="the report of the return", quote="The 31 defectors were arrested by Chinese "
           "public security agents between Feb. 8 and 12")  # fmt: skip
    figure(g31, "minors", "at least 1", donga_2012,
           wording="minors, including a five-year-old child",
           quote="They also included elderly people and minors, including a five-year-old child.",
           preferred=True)  # fmt: skip
    g10 = group(8, inc, 2, "Ten arrested in Shenyang on 8 February", Outcome.REPATRIATED,
                at=shenyang, parent=g31, size="10")  # fmt: skip
    e_arr31 = event(11, g31, 1, EventKind.ARRESTED, "8-12 February 2012")
    acted(e_arr31, china_police, Role.ARRESTED)
    e_req = event(
        12, g31, 2, EventKind.DIPLOMATIC_REQUEST, "February-March 2012",
        description="South Korea's president reportedly asked China not to repatriate the group.",
    )  # fmt: skip
    e_rep31 = event(
        13,
        g31,
        3,
        EventKind.REPATRIATED,
        "12 February - 8 March 2012",
        description="Sent back to North Korea; reported on 8–9 March 2012.",
    )
    event(14, g10, 1, EventKind.ARRESTED, "8 February 2012", at=shenyang)
    e_10h = event(
        15,
        g10,
        2,
        EventKind.DETAINED,
        "12 February - 9 March 2012",
        at=sinuiju,
        description="locked up in a jail run by the State Security Department",
    )
    acted(e_10h, kp_ssd, Role.HELD)
    cite(inc, donga_2012, "The 31 defectors were arrested by Chinese public security agents "
         "between Feb. 8 and 12", grp=g31, ev=e_arr31)  # fmt: skip
    cite(inc, donga_2012, "Ten North Korean escapees arrested in Shenyang on Feb. 8 are locked up "
         "in a jail run by the State Security Department in (North Korea`s) Sinuiju", grp=g10,
         ev=e_10h)  # fmt: skip
    cite(inc, askakorean, "Mr. Joo Seong-Ha, through Dong-A Ilbo, reports that China, in a clear "
         "violation of international law, sent back all 31 North Korean defectors", grp=g31,
         ev=e_rep31)  # fmt: skip
    cite(inc, askakorean, "(Korean president Lee Myeong-Bak formally requested China's Ministry "
         "of Foreign Affairs not to repatriate these defectors only a week ago.)", grp=g31,
         ev=e_req)  # fmt: skip
    cite(inc, marmot_2012, "", grp=g31)

    # e) About 300 held in a Chinese prison, 2012 (one blog; no news source found).
    inc = incident(
        4,
        "About 300 North Koreans reported held in a Chinese prison",
        "March 2012",
        "A blog post of 8 March 2012 said that approximately 300 North Koreans were being held "
        "in a Chinese prison at the time, a mother with a baby less than a month old among "
        "them. The prison is not named, and no news report of the figure has been found.",
    )  # fmt: skip
    g300 = group(9, inc, 1, "About 300 held", Outcome.DETAINED, size="about 300",
                 women="at least 1", minors="at least 1")  # fmt: skip
    figure(g300, "size", "about 300", askakorean, preferred=True,
           wording="approximately 300 North Korean defectors")  # fmt: skip
    e_held = event(16, g300, 1, EventKind.DETAINED, "March 2012", at=china_prison,
                   description="Held in a Chinese prison.")  # fmt: skip
    cite(inc, askakorean, "approximately 300 North Korean defectors who are being held in a "
         "Chinese prison as of now", grp=g300, ev=e_held)  # fmt: skip
    cite(inc, askakorean, "Among them is a mother with a baby who is less than a month old.",
         grp=g300)  # fmt: skip

    # f) About a dozen sheltering in South Korean missions (the reposted item is undated).
    inc = incident(
        5,
        "About a dozen North Koreans sheltering in South Korean missions in China",
        "February-April 2012",
        "About a dozen North Koreans were living in the South Korean embassy in Beijing and the "
        "consulates general in Shanghai and Shenyang, unable to leave the buildings; one or two "
        "teenagers were said to have lived at the Shenyang consulate for three years. A 2016 "
        "forum thread reposted the item without a date; contemporaneous reports of about a "
        "dozen defectors in the missions date from early 2012, and by May 2012 none remained.",
    )  # fmt: skip
    dated(inc, "February-April 2012", joongang_2012, preferred=True,
          why="the forum item is undated; reports of about a dozen defectors in the missions "
          "date from early 2012, and none remained by May 2012",
          quote="South Korean diplomatic missions in China have no remaining North Korean "
          "defectors seeking asylum.")  # fmt: skip
    dated(inc, "2016", forum_2016, wording="the year of the forum thread")
    g12 = group(10, inc, 1, "About a dozen in three missions", Outcome.RELEASED_TO_SOUTH_KOREA,
                size="about 12", minors="1-2")  # fmt: skip
    figure(g12, "size", "about 12", forum_2016, wording="About a dozen", preferred=True)
    figure(g12, "minors", "1-2", forum_2016, wording="One or two North Korean teenagers",
           preferred=True)  # fmt: skip
    e_bj = event(17, g12, 1, EventKind.SHELTERED, "February-April 2012", at=embassy_beijing)
    event(18, g12, 2, EventKind.SHELTERED, "February-April 2012", at=consulate_shanghai)
    e_sy = event(
        19,
        g12,
        3,
        EventKind.SHELTERED,
        "February-April 2012",
        at=consulate_shenyang,
        description="One or two teenagers reported to have lived here for three years.",
    )
    e_left = event(20, g12, 4, EventKind.RELEASED, "April-May 2012", at=seoul,
                   description="Allowed to leave China for South Korea.")  # fmt: skip
    cite(inc, forum_2016, "About a dozen North Korean defectors are apparently living in the "
         "South Korean Embassy in Beijing as well as the consulates general in Shanghai and "
         "Shenyang.", grp=g12, ev=e_bj)  # fmt: skip
    cite(inc, forum_2016, "One or two North Korean teenagers are said to have been living at the "
         "consulate in Shenyang for three years.", grp=g12, ev=e_sy)  # fmt: skip
    cite(inc, joongang_2012, "the six defectors, who sought asylum in the South Korean "
         "consulates-general in Shenyang and Shanghai years ago", grp=g12, ev=e_left)  # fmt: skip

    # g) More than 20 workers in Moscow seek asylum (UPI, 13 October 2016, citing Channel A).
    inc = incident(
        6,
        "More than 20 North Korean workers in Moscow seek asylum",
        "2016",
        "More than 20 North Korean forced labourers at a construction site in Moscow sought "
        "asylum with a UN refugee agency and were seeking safe passage to South Korea, the "
        "South Korean broadcaster Channel A reported, as UPI relayed on 13 October 2016. "
        "Their fate is not known.",
        notes=f"{MARKER_PUBLISHED_NOTE}: no source dates the request itself; KBS and MBN report "
        "about 10 workers in St Petersburg contacting the consulate in late August 2016, which "
        "may be a different group.",
    )  # fmt: skip
    g20 = group(11, inc, 1, "Construction workers", Outcome.UNKNOWN, size="more than 20")
    figure(g20, "size", "more than 20", upi_2016, preferred=True,
           wording="More than 20 North Korean forced laborers")  # fmt: skip
    e_asy = event(21, g20, 1, EventKind.ASYLUM_SOUGHT, "2016", at=moscow_site,
                  description="Sought asylum with a UN refugee agency.")  # fmt: skip
    event(22, g20, 2, EventKind.REPORTED, "13 October 2016",
          description="Reported by UPI, citing Channel A.")  # fmt: skip
    cite(
        inc,
        upi_2016,
        "More than 20 North Korean forced laborers at a construction site in "
        "Moscow sought asylum with a U.N. refugee agency and were seeking safe passage to "
        "South Korea, Seoul-based television network Channel A reported.",
        grp=g20,
        ev=e_asy,
    )

    # h) 468 flown to Seoul on 27–28 July 2004 from "a South East Asian country".
    inc = incident(
        7,
        "468 North Koreans flown to Seoul from a Southeast Asian country",
        "27-28 July 2004",
        "On 27 and 28 July 2004 two chartered flights brought 468 North Koreans to South Korea "
        "from a Southeast Asian country that officials did not name (thought to be Vietnam), "
        "where religious groups had cared for them while they waited, sometimes for months. "
        "Reports split the flights as 227 and 241 or 221 and 247.",
    )  # fmt: skip
    g468 = group(12, inc, 1, "Group of 468", Outcome.RELEASED_TO_SOUTH_KOREA, size="468")
    figure(
        g468,
        "size",
        "468",
        donga_2004,
        preferred=True,
        why="all sources give 468",
        quote="the final sum of defectors who entered Korea this time amounted to 468 people",
    )
    figure(g468, "size", "468", herald_2004, wording="468 North Korean defectors")
    e_wait = event(
        23,
        g468,
        1,
        EventKind.SHELTERED,
        "2004",
        at=southeast_asia,
        description="Cared for by religious groups while waiting for passage.",
    )
    e_fly = event(24, g468, 2, EventKind.RELEASED, "27-28 July 2004", at=seoul,
                  description="Two chartered flights to Seoul.")  # fmt: skip
    cite(
        inc,
        bbc_2004,
        "According to South Korea's Yonhap news agency, 247 people arrived on "
        "Wednesday, to bring the total carried on the two flights to 468.",
        grp=g468,
        ev=e_fly,
    )
    cite(inc, donga_2004, "the first group of defectors on July 27, consisting of 227 … the "
         "second group of 241 defectors arrived … through Incheon International Airport on the "
         "morning of July 28", grp=g468, ev=e_fly)  # fmt: skip
    cite(inc, herald_2004, "468 North Korean defectors were brought from a Southeast Asian "
         "country to Seoul this week", grp=g468, ev=e_wait)  # fmt: skip

    # i) A draft and an archived record, to exercise the visibility rules on demo data.
    inc = incident(
        8,
        "North Korean embassy interpreter reported to have defected in Shenyang",
        "June 2016",
        "An interpreter on the staff of the North Korean embassy in Beijing, seconded to a "
        "security inspection team, disappeared in Shenyang in June 2016.",
        status=Status.DRAFT,
        notes=f"{MARKER_DRAFT}: Dong-A (13 Oct 2016) changes the story first relayed by UPI "
        "(a Beijing embassy 'agent and translator'): she left in Shenyang in June. No arrest "
        "is reported; decide whether a defection without arrest is in scope before review.",
    )  # fmt: skip
    g1 = group(13, inc, 1, "Embassy interpreter", Outcome.UNKNOWN, size="1", women="1")
    e_gone = event(25, g1, 1, EventKind.REPORTED, "June 2016", at=shenyang,
                   description="Disappeared from an inspection team in Shenyang.")  # fmt: skip
    cite(inc, donga_2016, "검열단의 통역요원이 6월 랴오닝(遼寧) 성 선양(瀋陽)에서 종적을 감췄다",
         grp=g1, ev=e_gone)  # fmt: skip
    cite(inc, upi_2016, "a North Korean agent and translator stationed at Pyongyang's embassy in "
         "Beijing also defected", grp=g1)  # fmt: skip

    inc = incident(
        9,
        "Eight North Koreans stopped in Liaoning province (duplicate entry)",
        "March 2017",
        "A group of eight North Koreans was stopped in Liaoning province in March 2017.",
        status=Status.ARCHIVED,
        notes=f"{MARKER_ARCHIVED}: duplicate of 'Eight North Koreans stopped at a traffic check "
        "in Shenyang', entered before the city and date were checked against the source. "
        "Archived rather than deleted.",
    )  # fmt: skip
    g8dup = group(14, inc, 1, "Group of eight", Outcome.UNKNOWN, at=liaoning, size="8")
    e_dup = event(26, g8dup, 1, EventKind.ARRESTED, "March 2017", at=liaoning)
    cite(inc, hrw_2017, "Chinese government officials detained a group of eight North Koreans "
         "in mid-March 2017", grp=g8dup, ev=e_dup)  # fmt: skip

    # -- Aggregate estimates -----------------------------------------------------------------------
    def estimate(pk, subject, description, period, figure_text, sources, *, attributed_to=""):
        count = parse_count(figure_text)
        span = _when(period)
        est = _save(
            Estimate(
                pk=pk, subject=subject, description=description, country="CN",
                period_start=span["date_earliest"], period_end=span["date_latest"],
                value_low=count.value, value_high=count.value_high,
                qualifier=count.qualifier, attributed_to=attributed_to,
                status=Status.PUBLISHED,
            )
        )  # fmt: skip
        for n, (src, quote) in enumerate(sources, start=1):
            _save(EstimateSource(pk=pk * 10 + n, estimate=est, source=src, claim=quote))
        return est

    estimate(
        1, Estimate.Subject.REPATRIATED, "North Koreans forcibly returned from China in 2003",
        "2003", "at least 7800",
        [(uscr_2004, "At least 7,800 North Koreans were forcibly returned from China"),
         (herald_2004, "Chinese authorities repatriated some 7,800 North Korean defectors to "
          "their home country last year")],
        attributed_to="U.S. Committee for Refugees",
    )  # fmt: skip
    estimate(
        2, Estimate.Subject.IN_HIDING, "North Koreans who have escaped to China (2004)", "2004",
        "50000-300000",
        [(herald_2004, "The number of North Korean escapees to China varies from 50,000 to "
          "300,000 according to estimates by civic groups.")],
        attributed_to="civic groups",
    )  # fmt: skip
    estimate(
        3, Estimate.Subject.IN_HIDING, "North Korean asylum seekers in hiding in China (2004)",
        "2004", "about 100000",
        [(uscr_2004, "An estimated 100,000 North Korean asylum seekers live in hiding in China.")],
        attributed_to="U.S. Committee for Refugees",
    )  # fmt: skip

    # Indexes the services keep (names of places, places of incidents), then fixed timestamps
    # (auto_now / auto_now_add cannot be set through save()).
    from incidents.services.places import index_incidents, refresh_names

    refresh_names(Location.objects.all())
    index_incidents(Incident.objects.values_list("pk", flat=True))
    Incident.objects.update(created_at=DEMO_TIME, updated_at=DEMO_TIME, staff_updated_at=DEMO_TIME)


# The record itself, parents before children; not the audit history or access log.
RECORD_MODELS = [
    "incidents.location",
    "incidents.locationname",
    "incidents.actor",
    "incidents.source",
    "incidents.incident",
    "incidents.dateclaim",
    "incidents.detaineegroup",
    "incidents.countclaim",
    "incidents.custodyevent",
    "incidents.eventactor",
    "incidents.citation",
    "incidents.incidentplace",
    "incidents.estimate",
    "incidents.estimatesource",
]


def dump() -> str:
    """The record as fixture JSON, ordered by model (parents first) and primary key."""
    from django.core.management import call_command

    out = io.StringIO()
    call_command("dumpdata", *RECORD_MODELS, indent=2, stdout=out)
    rows = json.loads(out.getvalue())
    # Rows nothing points at (indexes, links, claims) get their ids from the database's
    # sequences, which differ between databases and runs: number them in order instead.
    counters: dict[str, int] = {}
    for row in rows:
        if row["model"] in RENUMBERED:
            counters[row["model"]] = counters.get(row["model"], 0) + 1
            row["pk"] = counters[row["model"]]
        # The search index is rebuilt when the fixture is loaded (incidents/fixtures_loading.py).
        row["fields"].pop("search_document", None)
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


# Models no other record refers to by id.
RENUMBERED = {
    "incidents.locationname", "incidents.incidentplace", "incidents.eventactor",
    "incidents.countclaim", "incidents.dateclaim", "incidents.estimatesource",
    "incidents.citation",
}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with fixtures/demo.json; do not write"
    )
    args = parser.parse_args(argv)

    if not os.environ.get("DATABASE_URL"):
        print(
            "Set DATABASE_URL to a throw-away database, e.g. "
            "DATABASE_URL=sqlite:////tmp/demo_build.sqlite3",
            file=sys.stderr,
        )
        return 2
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    from django.apps import apps
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", interactive=False, verbosity=0)
    busy = [m.__name__ for m in apps.get_app_config("incidents").get_models() if m.objects.exists()]
    if busy:
        print(
            f"Refusing to build: the database already holds {', '.join(busy)} rows. "
            "Use an empty throw-away database (delete the file and run again).",
            file=sys.stderr,
        )
        return 2

    with transaction.atomic():
        build()
        text = dump()
        transaction.set_rollback(True)  # the build database stays empty and reusable

    if args.check:
        if FIXTURE.exists() and FIXTURE.read_text(encoding="utf-8") == text:
            print(f"{FIXTURE.relative_to(BASE_DIR)} is up to date.")
            return 0
        print(f"{FIXTURE.relative_to(BASE_DIR)} differs from the script's output.", file=sys.stderr)
        return 1
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text(text, encoding="utf-8")
    print(f"Wrote {FIXTURE.relative_to(BASE_DIR)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
