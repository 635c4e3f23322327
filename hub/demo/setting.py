"""Who takes part in the Hangzhou model: the authorities and the fifteen malls, as plain values.

Region codes are GB/T 2260: Zhejiang 330000, Hangzhou 330100, and three of its districts
(Shangcheng 330102, Gongshu 330105, Xihu 330106). Village stations file through the district
they sit in; the hub counts their complaints under channel `village_station` once they are
named in `COMPLAINT_HUB_STATS_VILLAGE_STATIONS`, which the demo sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Member:
    participant_id: str
    role: str
    name: str
    platform: str | None = None
    regions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class District:
    region: str
    name: str
    bureau: Member
    stations: tuple[Member, ...]


PROVINCE = Member("bureau.zj", "bureau", "浙江省市场监督管理局", regions=("330000",))
CITY = Member("bureau.zj.hz", "bureau", "杭州市市场监督管理局", regions=("330100",))


def _district(region: str, name: str, slug: str, stations: tuple[str, ...]) -> District:
    bureau = Member(
        f"bureau.hz.{slug}", "bureau", f"杭州市{name}区市场监督管理局", regions=(region,)
    )
    return District(
        region,
        name,
        bureau,
        tuple(
            Member(f"station.{slug}.{s}", "bureau", f"{name}区{s}村服务站", regions=(region,))
            for s in stations
        ),
    )


DISTRICTS: tuple[District, ...] = (
    _district("330102", "上城", "shangcheng", ()),
    _district("330105", "拱墅", "gongshu", ("banshan",)),
    _district("330106", "西湖", "xihu", ("zhuantang", "shuangpu")),
)
ASSOCIATION = Member("association.zj.hz", "association", "杭州市消费者权益保护委员会")
COURT = Member("court.hz.internet", "court", "杭州互联网法院")
# What the demo and its subscriber speak as, besides the cast above: the hub's operator.
OPERATOR = Member("operator.demo", "operator", "complaint-hub demo operator")


class Speaks(StrEnum):
    """How a platform reaches the hub in the demo."""

    PULLED = "pulled"  # the hub polls its signed gateway (Taobao, Douyin, Pinduoduo)
    NATIVE_PUSH = "native_push"  # it pushes native records (JD reads its native feed first)
    CANONICAL = "canonical"  # it posts canonical events to /v1/events


@dataclass(frozen=True, slots=True)
class Mall:
    code: str
    name: str
    speaks: Speaks
    share: float  # share of the complaints about it (by Double-11 turnover, roughly)
    answer_hours: float  # median time to acknowledge a routed complaint
    late_share: float  # share of routed complaints it lets lapse past the ODR clock
    odr_share: float  # share of its complaints filed on its own ODR service

    @property
    def participant(self) -> Member:
        return Member(f"platform.{self.code}", "platform", self.name, platform=self.code)


_P, _J, _C = Speaks.PULLED, Speaks.NATIVE_PUSH, Speaks.CANONICAL
MALLS: tuple[Mall, ...] = (
    Mall("taobao", "淘宝/天猫", _P, 0.26, 10, 0.03, 0.0),
    Mall("jd", "京东", _J, 0.14, 6, 0.02, 0.0),
    Mall("pinduoduo", "拼多多", _P, 0.14, 20, 0.08, 0.0),
    Mall("douyin", "抖音电商", _P, 0.10, 16, 0.06, 0.0),
    Mall("kuaishou", "快手电商", _J, 0.06, 30, 0.12, 0.3),
    Mall("vipshop", "唯品会", _C, 0.04, 12, 0.04, 0.3),
    Mall("suning", "苏宁易购", _C, 0.04, 28, 0.10, 0.3),
    Mall("meituan", "美团", _C, 0.05, 8, 0.03, 0.4),
    Mall("dangdang", "当当", _C, 0.02, 24, 0.05, 0.3),
    Mall("xianyu", "闲鱼", _C, 0.03, 40, 0.15, 0.3),
    # Hangzhou-based malls (the city's fifteen-mall platform of 2020 counted them in)
    Mall("mogujie", "蘑菇街", _C, 0.02, 30, 0.10, 0.3),
    Mall("yanxuan", "网易严选", _C, 0.03, 9, 0.02, 0.4),
    Mall("kaola", "考拉海购", _C, 0.03, 18, 0.05, 0.3),
    Mall("beibei", "贝贝", _C, 0.02, 36, 0.12, 0.3),
    Mall("yunji", "云集", _C, 0.02, 22, 0.06, 0.3),
)


def authorities() -> tuple[Member, ...]:
    districts = tuple(m for d in DISTRICTS for m in (d.bureau, *d.stations))
    return (PROVINCE, CITY, *districts, ASSOCIATION, COURT, OPERATOR)


def everyone() -> tuple[Member, ...]:
    return (*authorities(), *(mall.participant for mall in MALLS))


def village_stations() -> tuple[str, ...]:
    return tuple(s.participant_id for d in DISTRICTS for s in d.stations)
