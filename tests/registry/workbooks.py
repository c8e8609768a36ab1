"""Small workbooks for the import tests, built with openpyxl like a user's Excel would."""

import io

from openpyxl import Workbook

GROUP_HEADER = [
    "名称",
    "所属街道",
    "所属社区",
    "类别",
    "服务对象",
    "负责人",
    "联系电话",
    "成员人数",
    "成立日期",
    "活动场所",
    "备案日期",
    "备案编号",
]


def group_row(name="福明社区夕阳红合唱团", street="劝业场街道", number="", **changes):
    row = {
        "名称": name,
        "所属街道": street,
        "所属社区": "福明社区" if street == "劝业场街道" else "开封道社区",
        "类别": "文体娱乐类",
        "服务对象": "老年人、全体居民",
        "负责人": "张秀兰",
        "联系电话": "13800000000",
        "成员人数": 20,
        "成立日期": "2015-03-01",
        "活动场所": "福明社区活动室",
        "备案日期": "2016年5月1日",
        "备案编号": number,
    }
    row.update(changes)
    return [row[h] for h in GROUP_HEADER]


def xlsx(rows, header=GROUP_HEADER, above=(), sheet_title="Sheet1", merge_above=False):
    """A workbook with optional title rows above the header (merged across if asked)."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    for line in above:
        sheet.append(list(line))
    if merge_above and above:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
