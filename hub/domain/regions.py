"""GB/T 2260 administrative division codes: which ones a participant may be registered with.

A code is six digits: two for the province-level unit, two for the prefecture level, two for the
county level ("00" where the code names the level above). The province-level table is fixed by
the standard; the finer levels change every year, so only their shape is checked here.
"""

from __future__ import annotations

import re

# The 34 province-level units of GB/T 2260 (including Taiwan, Hong Kong and Macao).
PROVINCES: dict[str, str] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}

_SHAPE = re.compile(r"[0-9]{6}")


def region_problem(code: str) -> str | None:
    """Why `code` is not a GB/T 2260 region code, or None when it is one."""
    if not _SHAPE.fullmatch(code):
        return f"region {code!r} is not a GB/T 2260 code: six digits, e.g. 330100 for Hangzhou"
    if code[:2] not in PROVINCES:
        return f"region {code}: {code[:2]} is no province-level code of GB/T 2260"
    if code[2:4] == "00" and code[4:] != "00":
        return f"region {code}: a county-level code needs its prefecture digits (e.g. 330106)"
    return None
