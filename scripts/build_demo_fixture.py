"""Build fixtures/demo.json: demo data taken from the public articles in the shared reference set.

Every object is created through the ORM and checked with `full_clean()` before it is saved, so
the fixture only holds records the application itself accepts. Primary keys and timestamps are
fixed, so running the script twice gives byte-identical output.

Content rules (see the reference README): facts come only from the five reference articles,
each cited as a Source with a short quotation; comment threads are not used; city-centre
coordinates are public knowledge. Where an article gives no year or no exact date, the record
uses the vaguer honest date and says so. The one confidential source is a labelled demo
placeholder, not a real interview.

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
import os
import sys
from datetime import UTC, date, datetime
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


def _count(part: str, value: int | None, qualifier: str) -> dict:
    return {f"{part}_value": value, f"{part}_qualifier": qualifier}


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


def build() -> None:
    """Create the demo objects in the current (empty) database."""
    from incidents.models import (
        Citation,
        CountQualifier,
        CustodyEvent,
        DetaineeGroup,
        Estimate,
        EventKind,
        Incident,
        Location,
        Outcome,
        Source,
        Status,
    )

    Q = CountQualifier
    K = Location.Kind

    # -- Locations ------------------------------------------------------------------------------
    def place(
        pk,
        name,
        *,
        kind=K.CITY,
        city="",
        province="",
        country="CN",
        ko="",
        local="",
        lat=None,
        lon=None,
        public=True,
        notes="",
    ):
        return _save(
            Location(
                pk=pk,
                name=name,
                name_ko=ko,
                name_local=local,
                kind=kind,
                city=city if kind != K.CITY else (city or name),
                province=province,
                country=country,
                latitude=lat,
                longitude=lon,
                coordinate_precision=Location.CoordinatePrecision.CITY if lat is not None else "",
                coordinates_public=public if lat is not None else False,
                notes_internal=notes,
            )
        )

    shenyang = place(
        1,
        "Shenyang",
        province="Liaoning",
        ko="선양",
        local="沈阳",
        lat="41.805700",
        lon="123.431500",
    )
    qingdao = place(
        2,
        "Qingdao",
        province="Shandong",
        ko="칭다오",
        local="青岛",
        lat="36.067100",
        lon="120.382600",
    )
    kunming = place(
        3, "Kunming", province="Yunnan", ko="쿤밍", local="昆明", lat="25.038900", lon="102.718300"
    )
    place(4, "Tumen", province="Jilin", ko="투먼", local="图们", lat="42.966700", lon="129.833300")
    tumen_dc = place(
        5,
        "Tumen detention centre",
        kind=K.DETENTION_CENTRE,
        city="Tumen",
        province="Jilin",
        ko="투먼 구류시설",
        lat="42.966700",
        lon="129.833300",
        notes="Coordinates are the town centre, not the facility. The Korean name is a "
        "descriptive translation; the source gives no official name, so name_local is blank.",
    )
    beijing = place(
        6,
        "Beijing",
        province="Beijing",
        ko="베이징",
        local="北京",
        lat="39.904200",
        lon="116.407400",
    )
    embassy_beijing = place(
        7,
        "South Korean Embassy in Beijing",
        kind=K.DIPLOMATIC_MISSION,
        city="Beijing",
        province="Beijing",
        ko="주중국 대한민국 대사관",
        local="大韩民国驻华大使馆",
        lat="39.904200",
        lon="116.407400",
        notes="Coordinates are the city centre.",
    )
    place(
        8,
        "Shanghai",
        province="Shanghai",
        ko="상하이",
        local="上海",
        lat="31.230400",
        lon="121.473700",
    )
    consulate_shanghai = place(
        9,
        "South Korean Consulate General in Shanghai",
        kind=K.DIPLOMATIC_MISSION,
        city="Shanghai",
        province="Shanghai",
        ko="주상하이 대한민국 총영사관",
        local="大韩民国驻上海总领事馆",
        lat="31.230400",
        lon="121.473700",
        notes="Coordinates are the city centre.",
    )
    consulate_shenyang = place(
        10,
        "South Korean Consulate General in Shenyang",
        kind=K.DIPLOMATIC_MISSION,
        city="Shenyang",
        province="Liaoning",
        ko="주선양 대한민국 총영사관",
        local="大韩民国驻沈阳总领事馆",
        lat="41.805700",
        lon="123.431500",
        notes="Coordinates are the city centre.",
    )
    place(
        11,
        "Moscow",
        province="Moscow",
        country="RU",
        ko="모스크바",
        local="Москва",
        lat="55.755800",
        lon="37.617300",
    )
    moscow_site = place(
        12,
        "Construction site in Moscow",
        kind=K.WORKSITE,
        city="Moscow",
        province="Moscow",
        country="RU",
        ko="모스크바 건설 현장",
        local="строительная площадка в Москве",
        notes="Exact site unknown; keep coordinates off for worksites.",
    )
    seoul = place(
        13,
        "Seoul",
        province="Seoul",
        country="KR",
        ko="서울",
        local="서울",
        lat="37.566500",
        lon="126.978000",
    )
    liaoning = place(
        14, "Liaoning province", kind=K.PROVINCE, province="Liaoning", ko="랴오닝성", local="辽宁省"
    )
    place(15, "Jilin province", kind=K.PROVINCE, province="Jilin", ko="지린성", local="吉林省")
    china_prison = place(
        16,
        "Prison in China (unnamed)",
        kind=K.PRISON,
        ko="중국 내 교도소 (이름 미상)",
        notes="The 2012 blog post says only 'a Chinese prison'.",
    )

    # -- Sources --------------------------------------------------------------------------------
    def source(pk, title, *, publisher="", on=None, kind, reliability, notes="", **extra):
        return _save(
            Source(
                pk=pk,
                title=title,
                publisher=publisher,
                published_on=on,
                kind=kind,
                language="en",
                reliability=reliability,
                notes_internal=notes,
                **extra,
            )
        )

    S = Source.Kind
    R = Source.Reliability
    herald_editorial = source(
        1,
        "Humane China: Beijing must stop repatriating N.K. defectors",
        publisher="The Korea Herald",
        kind=S.EDITORIAL,
        reliability=R.B,
        notes="[Editorial]. The saved copy carries no date and the text gives no year; the "
        "arrests it describes were reported in July 2017. Reference file "
        "koreaherald-editorial-humane-china.txt.",
    )
    oped_2017 = source(
        2,
        "Is Beijing Serious About Restraining Kim Regime?",
        kind=S.EDITORIAL,
        reliability=R.C,
        notes="Op-ed from 2017. The saved copy names no publisher and gives no date ('On "
        "Monday'). Quotes Human Rights Watch and China's foreign ministry spokesman. Reference "
        "file oped-2017-eight-detained-shenyang.txt.",
    )
    blog_2012 = source(
        3,
        "China sent back North Korean defectors",
        kind=S.BLOG,
        reliability=R.D,
        notes="Blog post from 2012 relaying a Dong-A Ilbo report; undated in the saved copy and "
        "the site is not named. Its comment thread is opinion and was not used. Reference file "
        "blog-2012-china-sent-back-31.txt.",
    )
    forum_2016 = source(
        4,
        "Why Is China So Tough on N.Korean Defectors?",
        kind=S.BLOG,
        reliability=R.F,
        notes="Forum thread from 2016 reposting press items without naming the outlets, except "
        "one item dated 13 October 2016 that cites Channel A and YTN. Replies are opinion and "
        "were not used. Reference file forum-2016-defectors-in-diplomatic-missions.txt.",
    )
    herald_2004 = source(
        5,
        "NK Defectors in China Remain Concern",
        publisher="The Korea Herald",
        on=date(2004, 7, 30),
        kind=S.NEWS,
        reliability=R.B,
        notes="By Seo Hyun-jin. Saved copy is prefaced by a YaleGlobal summary. Reference file "
        "koreaherald-2004-defectors-in-china.txt.",
    )
    confidential = source(
        6,
        "Caseworker interview (confidential)",
        kind=S.TESTIMONY,
        reliability=R.F,
        confidential=True,
        notes=f"{MARKER_CONFIDENTIAL_SOURCE}: demo placeholder exercising the privacy rules. "
        "No real interview exists behind this record.",
    )

    # -- Incidents ------------------------------------------------------------------------------
    def incident(pk, title, when, summary, *, status=Status.PUBLISHED, notes=""):
        return _save(
            Incident(
                pk=pk,
                title=title,
                summary=summary,
                status=status,
                notes_internal=notes,
                published_at=DEMO_TIME if status == Status.PUBLISHED else None,
                **_when(when),
            )
        )

    def group(pk, inc, seq, label, outcome, *, at=None, notes="", **counts):
        fields = {}
        for part in ("size", "women", "men", "minors", "helpers"):
            value, qualifier = counts.get(part, (None, Q.UNKNOWN))
            fields |= _count(part, value, qualifier)
        return _save(
            DetaineeGroup(
                pk=pk,
                incident=inc,
                sequence=seq,
                label=label,
                arrest_location=at,
                outcome=outcome,
                notes_internal=notes,
                **fields,
            )
        )

    def event(pk, grp, seq, kind, when, *, at=None, description="", notes=""):
        return _save(
            CustodyEvent(
                pk=pk,
                group=grp,
                sequence=seq,
                kind=kind,
                location=at,
                description=description,
                notes_internal=notes,
                **_when(when),
            )
        )

    citation_pk = iter(range(1, 1000))

    def cite(inc, src, claim, *, grp=None, ev=None, locator=""):
        return _save(
            Citation(
                pk=next(citation_pk),
                incident=inc,
                source=src,
                group=grp,
                event=ev,
                claim=claim,
                locator=locator,
            )
        )

    # a) 29 North Koreans and six helpers, July 2017 (Korea Herald editorial).
    inc = incident(
        1,
        "29 North Koreans arrested in Qingdao and Kunming, held in Tumen",
        "15-17 July 2017",
        "Chinese officials arrested 29 North Koreans who were trying to reach South Korea via a "
        "third country, 20 in Qingdao and 9 in Kunming, between 15 and 17 July, together with "
        "six people helping them. The group had split up because travelling together was "
        "dangerous. South Korean officials said the 29 were taken to a detention centre in the "
        "border town of Tumen to await repatriation. The editorial gives no year; the arrests "
        "were reported in 2017. What happened to the helpers is not known.",
        notes=f"{MARKER_PUBLISHED_NOTE}: the year comes from public reporting of July 2017, not "
        "from the editorial text. Replace or add a dated news source.",
    )
    g_qingdao = group(1, inc, 1, "Qingdao group", Outcome.DETAINED, at=qingdao, size=(20, Q.EXACT))
    g_kunming = group(2, inc, 2, "Kunming group", Outcome.DETAINED, at=kunming, size=(9, Q.EXACT))
    g_helpers = group(
        3,
        inc,
        3,
        "Helpers",
        Outcome.UNKNOWN,
        size=(6, Q.EXACT),
        helpers=(6, Q.EXACT),
        notes=f"{MARKER_GROUP_NOTE}: the editorial gives neither the place nor the date of the "
        "helpers' arrest, nor their nationality.",
    )
    e_qd = event(1, g_qingdao, 1, EventKind.ARRESTED, "15-17 July 2017", at=qingdao)
    e_km = event(2, g_kunming, 1, EventKind.ARRESTED, "15-17 July 2017", at=kunming)
    transfer = "taken to a detention centre in the border town of Tumen to await repatriation"
    # The transfer follows the arrests (15-17 July): bounded below by them, not by 1 July.
    e_qd_t = event(
        3, g_qingdao, 2, EventKind.TRANSFERRED, "15-31 July 2017", at=tumen_dc, description=transfer
    )
    e_km_t = event(
        4, g_kunming, 2, EventKind.TRANSFERRED, "15-31 July 2017", at=tumen_dc, description=transfer
    )
    event(
        5,
        g_helpers,
        1,
        EventKind.ARRESTED,
        None,
        description="Rounded up with the North Koreans; date and place not reported.",
    )
    cite(
        inc,
        herald_editorial,
        "Chinese officials rounded up 29 North Korean defectors and six "
        "people who were helping their escape to South Korea via a third country",
    )
    cite(
        inc,
        herald_editorial,
        "arrested between July 15 and 17, 20 of them in Qingdao",
        grp=g_qingdao,
        ev=e_qd,
    )
    cite(inc, herald_editorial, "nine in Kunming", grp=g_kunming, ev=e_km)
    cite(
        inc,
        herald_editorial,
        "taken to a detention center in the border town of Tumen, to await repatriation",
        grp=g_qingdao,
        ev=e_qd_t,
    )
    cite(
        inc,
        herald_editorial,
        "taken to a detention center in the border town of Tumen, to await repatriation",
        grp=g_kunming,
        ev=e_km_t,
    )
    cite(inc, herald_editorial, "six people who were helping their escape", grp=g_helpers)

    # b) Eight stopped at a traffic check in Shenyang, mid-March 2017 (op-ed).
    inc = incident(
        2,
        "Eight North Koreans stopped at a traffic check in Shenyang",
        "mid-March 2017",
        "A group of eight North Koreans, at least four of them women, was stopped after a random "
        "traffic check in the north-eastern Chinese city of Shenyang in mid-March. Human Rights "
        "Watch asked China to reveal where the group was being held. The op-ed reporting this "
        "gives no year; it was published in 2017. The group's fate is not known from the source.",
    )
    g8 = group(
        4,
        inc,
        1,
        "Group of eight",
        Outcome.UNKNOWN,
        at=shenyang,
        size=(8, Q.EXACT),
        women=(4, Q.AT_LEAST),
    )
    e_arr = event(
        6,
        g8,
        1,
        EventKind.ARRESTED,
        "mid-March 2017",
        at=shenyang,
        description="Stopped after a random traffic check.",
    )
    # 'On Monday' in an undated 2017 op-ed: after the stop, within 2017.
    e_hrw = event(
        7,
        g8,
        2,
        EventKind.REPORTED,
        "11 March - 31 December 2017",
        description="Human Rights Watch asked China to reveal where the group was being held.",
        notes="The op-ed says 'On Monday' but is undated: range runs from the stop to the end "
        "of 2017.",
    )
    cite(
        inc,
        oped_2017,
        "stopped after a random traffic check in the northeastern city of Shenyang in mid-March",
        grp=g8,
        ev=e_arr,
    )
    cite(inc, oped_2017, "At least four of those detained are females.", grp=g8)
    cite(
        inc,
        oped_2017,
        "Human Rights Watch asked China to immediately reveal the location of "
        "where it is holding eight North Korean defectors",
        grp=g8,
        ev=e_hrw,
    )
    cite(
        inc,
        confidential,
        f"{MARKER_CONFIDENTIAL_CLAIM}: demo placeholder for an interview note kept offline.",
        grp=g8,
    )

    # c) 31 sent back in 2012 despite a South Korean request (blog citing Dong-A Ilbo).
    inc = incident(
        3,
        "31 North Koreans sent back by China despite a South Korean request",
        "2012",
        "China sent a group of 31 North Koreans back to North Korea, according to a 2012 blog "
        "post relaying a Dong-A Ilbo report. About a week earlier South Korea's president had "
        "formally asked China's foreign ministry not to repatriate them. The post gives no "
        "exact dates.",
    )
    g31 = group(
        5,
        inc,
        1,
        "Group of 31",
        Outcome.REPATRIATED,
        size=(31, Q.EXACT),
        women=(1, Q.AT_LEAST),
        minors=(1, Q.AT_LEAST),
        notes=f"{MARKER_GROUP_NOTE}: composition from family details in the post (an elderly "
        "mother; the younger sister of a high-school-aged boy). Do not publish those details.",
    )
    e_req = event(
        8,
        g31,
        1,
        EventKind.DIPLOMATIC_REQUEST,
        "2012",
        description="South Korea's president formally asked China's foreign ministry "
        "not to repatriate the group, about a week before the return.",
    )
    e_rep = event(9, g31, 2, EventKind.REPATRIATED, "2012", description="Sent back to North Korea.")
    cite(
        inc,
        blog_2012,
        "Dong-A Ilbo reports that China ... sent back all 31 North Korean defectors to North Korea",
        grp=g31,
        ev=e_rep,
    )
    cite(
        inc,
        blog_2012,
        "formally requested China’s Ministry of Foreign Affairs not to "
        "repatriate these defectors only a week ago",
        grp=g31,
        ev=e_req,
    )

    # d) About 300 held in a Chinese prison, 2012 (same blog).
    inc = incident(
        4,
        "About 300 North Koreans reported held in a Chinese prison",
        "2012",
        "A 2012 blog post said that approximately 300 North Koreans were being held in a Chinese "
        "prison at the time of writing, at least one woman and one infant among them. The prison "
        "is not named.",
    )
    g300 = group(
        6,
        inc,
        1,
        "About 300 held",
        Outcome.DETAINED,
        size=(300, Q.ABOUT),
        women=(1, Q.AT_LEAST),
        minors=(1, Q.AT_LEAST),
    )
    e_held = event(
        10,
        g300,
        1,
        EventKind.DETAINED,
        "2012",
        at=china_prison,
        description="Held in a Chinese prison.",
    )
    cite(
        inc,
        blog_2012,
        "approximately 300 North Korean defectors who are being held in a Chinese prison as of now",
        grp=g300,
        ev=e_held,
    )
    cite(inc, blog_2012, "a mother with a baby who is less than a month old", grp=g300)

    # e) About a dozen in South Korean missions (forum 2016, reposted press item).
    inc = incident(
        5,
        "About a dozen North Koreans sheltering in South Korean missions in China",
        "2016",
        "A press item reposted in a 2016 forum thread said about a dozen North Koreans were "
        "living in the South Korean embassy in Beijing and the consulates general in Shanghai "
        "and Shenyang, not allowed to leave the buildings. One or two teenagers were said to "
        "have lived at the Shenyang consulate for three years. The item is undated; 2016 is the "
        "year of the thread.",
    )
    g12 = group(
        7,
        inc,
        1,
        "About a dozen in three missions",
        Outcome.SHELTERED,
        size=(12, Q.ABOUT),
        minors=(1, Q.AT_LEAST),
    )
    e_bj = event(11, g12, 1, EventKind.SHELTERED, "2016", at=embassy_beijing)
    event(12, g12, 2, EventKind.SHELTERED, "2016", at=consulate_shanghai)
    e_sy = event(
        13,
        g12,
        3,
        EventKind.SHELTERED,
        "2016",
        at=consulate_shenyang,
        description="One or two teenagers reported to have lived here for three years.",
    )
    cite(
        inc,
        forum_2016,
        "About a dozen North Korean defectors are apparently living in the "
        "South Korean Embassy in Beijing as well as the consulates general in Shanghai and "
        "Shenyang.",
        grp=g12,
        ev=e_bj,
    )
    cite(
        inc,
        forum_2016,
        "One or two North Korean teenagers are said to have been living at "
        "the consulate in Shenyang for three years.",
        grp=g12,
        ev=e_sy,
    )

    # e) More than 20 workers in Moscow seek asylum (forum 2016, citing Channel A).
    inc = incident(
        6,
        "More than 20 North Korean workers in Moscow seek asylum",
        "September-October 2016",
        "More than 20 North Korean forced labourers at a construction site in Moscow sought "
        "asylum with a UN refugee agency and were seeking safe passage to South Korea, "
        "according to the South Korean broadcaster Channel A, as reported on 13 October 2016. "
        "Their fate is not known from the source.",
        notes=f"{MARKER_PUBLISHED_NOTE}: date inferred from 'recently' in an item dated "
        "13 October 2016; widen it if a better source shows otherwise.",
    )
    g20 = group(8, inc, 1, "Construction workers", Outcome.UNKNOWN, size=(20, Q.MORE_THAN))
    e_asy = event(
        14,
        g20,
        1,
        EventKind.ASYLUM_SOUGHT,
        "September-October 2016",
        at=moscow_site,
        description="Sought asylum with a UN refugee agency, seeking safe passage to South Korea.",
    )
    event(
        15,
        g20,
        2,
        EventKind.REPORTED,
        "13 October 2016",
        description="Reported by South Korean media (Channel A).",
    )
    cite(
        inc,
        forum_2016,
        "More than 20 North Korean forced laborers at a construction site in "
        "Moscow sought asylum with a U.N. refugee agency",
        grp=g20,
        ev=e_asy,
    )

    # f) 468 flown to Seoul, late July 2004 (Korea Herald, 30 July 2004).
    inc = incident(
        7,
        "468 North Koreans brought to Seoul from a Southeast Asian country",
        "late July 2004",
        "In the week to 30 July 2004, 468 North Koreans were brought to Seoul from an unnamed "
        "Southeast Asian country, where religious groups had been caring for them while they "
        "waited, sometimes for months, for passage to South Korea. The government helped after "
        "those groups asked for it. The group had grown from an original 400.",
    )
    g468 = group(9, inc, 1, "Group of 468", Outcome.RELEASED_TO_SOUTH_KOREA, size=(468, Q.EXACT))
    e_rel = event(
        16,
        g468,
        1,
        EventKind.RELEASED,
        "late July 2004",
        at=seoul,
        description="Brought from an unnamed Southeast Asian country to Seoul.",
    )
    cite(
        inc,
        herald_2004,
        "468 North Korean defectors were brought from a Southeast Asian country to Seoul this week",
        grp=g468,
        ev=e_rel,
    )
    cite(inc, herald_2004, "increased to 468 from an original 400", grp=g468)

    # g) A draft and an archived record, to exercise the visibility rules on demo data.
    inc = incident(
        8,
        "North Korean embassy employee in Beijing reported to have defected",
        "September-October 2016",
        "A North Korean employee of the embassy in Beijing was reported to have defected.",
        status=Status.DRAFT,
        notes=f"{MARKER_DRAFT}: single second-hand claim (a defector in Seoul citing his own "
        "intelligence, via YTN, reposted on a forum). Needs a second source, and a decision on "
        "whether a defection without arrest is in scope, before review.",
    )
    g1 = group(10, inc, 1, "Embassy employee", Outcome.UNKNOWN, size=(1, Q.EXACT))
    e_def = event(
        17,
        g1,
        1,
        EventKind.REPORTED,
        "13 October 2016",
        at=beijing,
        description="Defection reported by South Korean media (YTN).",
    )
    cite(
        inc,
        forum_2016,
        "a North Korean agent and translator stationed at Pyongyang's "
        "embassy in Beijing also defected",
        grp=g1,
        ev=e_def,
    )

    inc = incident(
        9,
        "Eight North Koreans stopped in Liaoning province (duplicate entry)",
        "March 2017",
        "A group of eight North Koreans was stopped in Liaoning province in March 2017.",
        status=Status.ARCHIVED,
        notes=f"{MARKER_ARCHIVED}: duplicate of 'Eight North Koreans stopped at a traffic check "
        "in Shenyang', entered before the city and date were checked against the source. "
        "Archived rather than deleted.",
    )
    g8dup = group(11, inc, 1, "Group of eight", Outcome.UNKNOWN, at=liaoning, size=(8, Q.EXACT))
    e_dup = event(18, g8dup, 1, EventKind.ARRESTED, "March 2017", at=liaoning)
    cite(
        inc,
        oped_2017,
        "stopped after a random traffic check in the northeastern city of Shenyang in mid-March",
        grp=g8dup,
        ev=e_dup,
    )

    # -- Aggregate estimates (Korea Herald, 30 July 2004) ----------------------------------------
    def estimate(
        pk,
        subject,
        description,
        start,
        end,
        low,
        *,
        high=None,
        qualifier=Q.ABOUT,
        attributed_to="",
        claim="",
    ):
        return _save(
            Estimate(
                pk=pk,
                subject=subject,
                description=description,
                country="CN",
                period_start=start,
                period_end=end,
                value_low=low,
                value_high=high,
                qualifier=qualifier,
                source=herald_2004,
                attributed_to=attributed_to,
                claim=claim,
                status=Status.PUBLISHED,
            )
        )

    d = _when
    estimate(
        1,
        Estimate.Subject.REPATRIATED,
        "North Koreans repatriated from China in 2003",
        d("2003")["date_earliest"],
        d("2003")["date_latest"],
        7800,
        attributed_to="U.S. Committee for Refugees",
        claim="Chinese authorities repatriated some 7,800 North Korean defectors to their home "
        "country last year",
    )
    estimate(
        2,
        Estimate.Subject.IN_HIDING,
        "North Koreans who have escaped to China (2004)",
        d("2004")["date_earliest"],
        d("2004")["date_latest"],
        50000,
        high=300000,
        attributed_to="civic groups",
        claim="The number of North Korean escapees to China varies from 50,000 to 300,000 "
        "according to estimates by civic groups.",
    )
    estimate(
        3,
        Estimate.Subject.OTHER,
        "North Koreans in China seeking asylum in South Korea (2004)",
        d("2004")["date_earliest"],
        d("2004")["date_latest"],
        100000,
        claim="an estimated 100,000 North Koreans in China still seek asylum in the South",
    )

    # Fixed timestamps (auto_now / auto_now_add cannot be set through save()).
    Incident.objects.update(created_at=DEMO_TIME, updated_at=DEMO_TIME, staff_updated_at=DEMO_TIME)


# The record itself, parents before children; not the audit history or access log.
RECORD_MODELS = [
    "incidents.location",
    "incidents.source",
    "incidents.incident",
    "incidents.detaineegroup",
    "incidents.custodyevent",
    "incidents.citation",
    "incidents.estimate",
]


def dump() -> str:
    """The record as fixture JSON, ordered by model (parents first) and primary key."""
    from django.core.management import call_command

    out = io.StringIO()
    call_command("dumpdata", *RECORD_MODELS, indent=2, stdout=out)
    return out.getvalue().rstrip("\n") + "\n"


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
