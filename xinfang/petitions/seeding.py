"""Word lists and generators for `manage.py seed_demo`: realistic petitions in bulk, without the ORM.

Everything here is pure Python (no database access): `seed_demo` builds the unit tree through the
ordinary services, hands the ids to `PetitionGenerator`, and writes the tuples it yields with
`executemany`. The generator reproduces what `services.petition_register` writes for one petition
(number, petitioners and links, current deadline, search tokens), in chronological order.

Running jieba over a million contents would take most of an hour, so texts are built from fixed
fragments whose words are segmented once with `search.segment` and concatenated. A fragment that
contains a word users search for (拖欠工资, 拆迁) is checked to yield that word's query tokens; if
jieba segments it differently in context, the fragment is segmented around the word instead.
"""

import json
import random
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .choices import CLOSED_STATUSES, Channel, Gender, PetitionStatus, ReferralKind
from .models import OWNER_TYPE, UNROUTED, shared_depth
from .search import scope_tokens_of, segment
from .validators import id_number_check_char

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
SEARCHED_WORDS = ("拖欠工资", "拆迁")

# --- word lists -------------------------------------------------------------------------------

# (surname, weight): the most common surnames, roughly by frequency, and a few double ones.
SURNAMES = (
    ("王", 72), ("李", 70), ("张", 67), ("刘", 53), ("陈", 45), ("杨", 31), ("黄", 25), ("赵", 21),
    ("吴", 20), ("周", 19), ("徐", 15), ("孙", 15), ("马", 12), ("朱", 12), ("胡", 11), ("郭", 11),
    ("何", 10), ("高", 10), ("林", 9), ("罗", 9), ("郑", 9), ("梁", 8), ("谢", 7), ("宋", 6),
    ("唐", 6), ("许", 6), ("韩", 5), ("冯", 5), ("邓", 5), ("曹", 5), ("彭", 5), ("曾", 4),
    ("肖", 4), ("田", 4), ("董", 4), ("袁", 4), ("潘", 3), ("于", 3), ("蒋", 3), ("蔡", 3),
    ("余", 3), ("杜", 3), ("叶", 3), ("程", 3), ("苏", 3), ("魏", 3), ("吕", 3), ("丁", 3),
    ("任", 2), ("沈", 2), ("姚", 2), ("卢", 2), ("姜", 2), ("崔", 2), ("钟", 2), ("谭", 2),
    ("陆", 2), ("汪", 2), ("范", 2), ("金", 2), ("石", 2), ("廖", 2), ("贾", 2), ("夏", 2),
    ("韦", 1), ("方", 1), ("白", 1), ("邹", 1), ("孟", 1), ("熊", 1), ("秦", 1), ("邱", 1),
    ("江", 1), ("尹", 1), ("薛", 1), ("段", 1), ("雷", 1), ("侯", 1), ("龙", 1), ("史", 1),
    ("欧阳", 0.3), ("上官", 0.1), ("司马", 0.1), ("诸葛", 0.1),
)  # fmt: skip
GIVEN_MALE = tuple("伟强磊军勇杰涛明超刚平辉建国志华斌俊峰德福贵林海波鹏宇浩文庆春生发荣新永水山")
GIVEN_FEMALE = tuple("芳娜敏静丽艳娟霞秀英玲桂兰梅琴云莲凤华红燕萍红洁慧颖雪琳婷倩璐月翠菊凤")

# The 20 townships (乡镇/街道) of the benchmark county. The first four are the demo organisation's.
TOWNSHIPS = (
    ("341122101", "城关镇", "township"), ("341122102", "河西乡", "township"),
    ("341122103", "石桥镇", "township"), ("341122001", "东城街道", "street"),
    ("341122104", "高河镇", "township"), ("341122105", "梅林镇", "township"),
    ("341122106", "龙山乡", "township"), ("341122107", "白马镇", "township"),
    ("341122108", "双港镇", "township"), ("341122109", "五里乡", "township"),
    ("341122110", "黄泥镇", "township"), ("341122111", "杨柳乡", "township"),
    ("341122112", "新桥镇", "township"), ("341122113", "金山镇", "township"),
    ("341122114", "长岭乡", "township"), ("341122115", "清水镇", "township"),
    ("341122116", "凤凰镇", "township"), ("341122117", "枫林乡", "township"),
    ("341122118", "马店镇", "township"), ("341122119", "罗溪乡", "township"),
)  # fmt: skip
# Relative petition volume of each township: the county seat and the urban street get most.
TOWNSHIP_WEIGHTS = {"341122101": 3.0, "341122001": 2.0, "341122104": 1.5, "341122113": 1.3}
VILLAGES_PER_TOWNSHIP = 15
VILLAGE_NAMES = (
    "东风", "红星", "柳河", "河西", "桃园", "石桥", "新庄", "前进", "胜利", "光明", "和平", "团结", "幸福", "永安", "太平", "双河",
    "三合", "四方", "五星", "六合", "七里", "八里", "九龙", "十里", "大王", "小王", "李家", "张庄", "刘湾", "陈岗", "杨林", "黄土",
    "赵庄", "吴圩", "周家", "徐湾", "孙庄", "马岭", "朱岗", "胡冲", "郭河", "何庄", "高桥", "林场", "罗岭", "梅山", "竹园", "松林",
    "杏花", "荷塘", "莲花", "青峰", "白云", "金牛", "银河", "玉泉", "凤岭", "龙潭", "虎山", "鹤塘", "燕子", "花园", "果园", "茶园",
    "新华", "建设", "民主", "联合", "先锋", "红旗",
)  # fmt: skip
COMMUNITY_NAMES = (
    "东城", "文昌", "学府", "锦绣", "滨河", "人民路", "解放路", "和平里", "花园", "阳光", "新城", "金桥",
    "翠湖", "朝阳", "迎宾", "书香", "梧桐",
)  # fmt: skip
# The 15 functional departments (职能部门) under the county; the first seven are the demo's.
# (code, name, category codes it mostly receives)
DEPARTMENTS = (
    ("341122G01", "青山县公安局", ("0303", "9901")),
    ("341122S01", "青山县司法局", ("0301", "0303")),
    ("341122M01", "青山县民政局", ("0801", "0802", "0803")),
    ("341122Z01", "青山县自然资源局", ("0101", "0401", "0402", "0403")),
    ("341122R01", "青山县人力资源和社会保障局", ("0201", "0202", "0203", "0204")),
    ("341122W01", "青山县卫生健康委员会", ("0601", "0602")),
    ("341122F01", "青山县人民法院", ("0301", "0302")),
    ("341122J01", "青山县教育局", ("0701", "0702")),
    ("341122C01", "青山县住房和城乡建设局", ("0102", "0103", "0501", "0502", "0503")),
    ("341122N01", "青山县农业农村局", ("1201", "1202", "0401")),
    ("341122E01", "青山县生态环境分局", ("0901", "0902")),
    ("341122T01", "青山县交通运输局", ("1301", "0503")),
    ("341122V01", "青山县退役军人事务局", ("1101",)),
    ("341122Q01", "青山县市场监督管理局", ("9901", "0601")),
    ("341122U01", "青山县城市管理局", ("0503", "0902", "0102")),
)
DEPARTMENT_WEIGHTS = {"341122R01": 2.5, "341122Z01": 2.5, "341122C01": 2.0, "341122F01": 1.5}
COUNTY_SHARE, TOWNSHIP_SHARE, DEPARTMENT_SHARE = 0.12, 0.68, 0.20

COMPANIES = (
    "宏达建筑工程有限公司", "鑫源劳务有限公司", "华建置业有限公司", "金马纺织厂", "青山化肥厂",
    "恒丰房地产开发有限公司", "青山县城市建设投资有限公司", "顺发物流有限公司", "青山第二建筑公司",
    "绿源食品有限公司", "永兴矿业有限公司", "天成电子有限公司", "鸿运砂石厂", "佳美服装厂",
    "青山水泥厂", "新世纪商贸有限公司", "瑞丰农业开发有限公司", "中联建设集团第三项目部",
)  # fmt: skip
REFERRAL_OFFICES = ("安庆市信访局", "安徽省信访局", "国家信访局", "安庆市人民政府办公室")
ID_REGIONS = (
    ("341122", 70), ("341102", 6), ("341103", 5), ("341125", 5), ("341181", 4), ("340823", 3),
    ("320102", 2), ("330106", 2), ("440305", 2), ("310115", 1),
)  # fmt: skip
PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156",
    "158", "159", "166", "177", "180", "181", "182", "183", "186", "187", "188", "189", "199",
)  # fmt: skip

# Texts. `{村}` village, `{镇}` township, `{公司}` company, `{金额}` amount, `{月}` months,
# `{人}` number of people, `{年}` a recent year. Each subcategory: (weight %, subjects, problems).
OPENINGS = ("信访人反映：", "来信人反映，", "群众反映：", "{镇}{村}村民反映，", "据反映，", "信访人称，")
BACKGROUNDS = (
    "此事已多次向村委会反映，至今未得到解决。",
    "曾于{年}年向镇政府反映过，答复后问题仍未落实。",
    "信访人情绪较为激动，表示如不解决将到县里上访。",
    "此前已通过12345热线反映，没有结果。",
    "相关部门互相推诿，问题拖了很久。",
    "",
    "",
)
CLOSINGS = (
    "请求有关部门尽快调查处理。",
    "要求依法依规给予解决。",
    "希望领导重视，给个说法。",
    "请求政府出面协调解决。",
    "恳请领导过问此事。",
)
SUBCATEGORIES: dict[str, tuple[float, tuple[str, ...], tuple[str, ...]]] = {
    "0101": (7.0, ("反映{村}征地补偿款未足额发放", "关于{镇}征地补偿标准过低的问题", "要求落实征地补偿"), (
        "{年}年{镇}修建工业园区征收{村}集体土地，补偿款{金额}至今未发放到户。",
        "村里征地补偿标准与邻村不一致，每亩少了{金额}。",
        "征地拆迁时承诺的青苗补偿费一直没有兑现。",
        "村干部截留征地补偿款，账目不公开。",
    )),
    "0102": (6.0, ("反映{村}房屋拆迁补偿不合理", "关于房屋拆迁安置的问题", "对拆迁评估结果有异议"), (
        "{镇}旧城改造拆迁，信访人房屋评估价值过低，只补偿{金额}。",
        "拆迁公司在未签协议的情况下强行拆除房屋。",
        "房屋拆迁后过渡费已停发{月}个月。",
        "同一片区拆迁补偿标准前后不一。",
    )),
    "0103": (3.0, ("反映拆迁安置房迟迟不能交付", "关于{村}失地农民安置的问题"), (
        "拆迁安置房原定{年}年交付，至今仍未建成。",
        "失地后没有纳入社会保障，生活没有着落。",
        "安置房分配不公开，存在优亲厚友。",
    )),
    "0201": (0.8, ("反映{公司}拖欠工资", "关于农民工被拖欠工资的问题", "要求追讨拖欠工资"), (
        "信访人等{人}人在{公司}承建的工地务工，被拖欠工资{金额}。",
        "{公司}以资金困难为由拖欠工资{月}个月，老板避而不见。",
        "包工头拖欠工资后失联，总承包方拒绝支付。",
    )),
    "0202": (3.0, ("反映{公司}未给职工缴纳社会保险", "关于养老保险待遇的问题"), (
        "{公司}自{年}年起未为职工缴纳养老保险和医疗保险。",
        "信访人退休后养老金核定偏低，每月少发{金额}。",
        "企业破产后社保断缴，职工无法办理退休。",
    )),
    "0203": (2.5, ("反映{公司}违法解除劳动合同", "关于劳动合同纠纷的问题"), (
        "{公司}未签订书面劳动合同，辞退时不给经济补偿。",
        "单位单方面调岗降薪，信访人不服。",
        "劳动仲裁裁决后公司仍不履行。",
    )),
    "0204": (1.5, ("反映工伤认定和赔偿问题", "关于{公司}工伤待遇未落实"), (
        "信访人在{公司}工作时受伤，公司拒绝申报工伤认定。",
        "工伤鉴定为九级伤残，一次性伤残补助金{金额}未支付。",
    )),
    "0301": (4.0, ("对法院判决不服", "反映案件审理久拖不决"), (
        "信访人与邻居的民间借贷纠纷一案，认为一审判决认定事实错误。",
        "案件立案已{月}个月仍未开庭审理。",
        "不服{年}年作出的民事判决，申请再审被驳回。",
    )),
    "0302": (3.0, ("反映胜诉判决执行不到位", "要求法院强制执行"), (
        "信访人胜诉后，被执行人有能力履行却拒不执行，执行款{金额}至今未到位。",
        "法院以无财产可供执行为由终结执行程序。",
    )),
    "0303": (2.0, ("反映派出所不作为", "对行政执法行为有异议"), (
        "信访人报警后派出所迟迟不立案。",
        "执法人员在执法过程中态度粗暴，处罚过重。",
        "被罚款{金额}，认为处罚依据不足。",
    )),
    "0401": (6.0, ("反映{村}土地承包经营权纠纷", "关于承包地被调整的问题"), (
        "村组擅自收回信访人的承包地另行发包。",
        "土地确权时信访人家的承包地面积少登记了两亩。",
        "土地流转租金{金额}已拖欠{月}个月。",
    )),
    "0402": (2.5, ("反映山林权属纠纷", "关于林权证登记错误"), (
        "与邻村因山林界址发生争议，双方多次发生冲突。",
        "林权证四至界限与实际不符。",
    )),
    "0403": (4.5, ("反映宅基地纠纷", "关于宅基地审批的问题"), (
        "邻居建房占用信访人宅基地，协商未果。",
        "申请宅基地建房多年未获审批。",
        "宅基地确权登记面积与实际不一致。",
    )),
    "0501": (4.0, ("反映{镇}小区房屋质量问题", "关于保障性住房分配的问题"), (
        "所购商品房墙体开裂、屋顶渗水，开发商拒不维修。",
        "开发商逾期{月}个月未交房，也未办理不动产权证。",
        "申请公租房多年未获分配。",
    )),
    "0502": (4.0, ("反映小区物业服务问题", "关于物业费收取的问题"), (
        "物业公司服务差，电梯经常故障，却要上调物业费。",
        "业主委员会选举不公开，业主意见很大。",
        "小区公共收益去向不明。",
    )),
    "0503": (3.0, ("反映{镇}路灯长期不亮", "关于排水管网堵塞的问题"), (
        "小区门口道路破损严重，雨天积水。",
        "排水管道堵塞，污水外溢，影响居民出行。",
        "路灯损坏已{月}个月无人维修。",
    )),
    "0601": (2.5, ("反映县人民医院医疗纠纷", "关于医疗事故赔偿的问题"), (
        "信访人家属在县人民医院手术后死亡，认为医院存在过错。",
        "医院收费不透明，住院费用{金额}明细不清。",
    )),
    "0602": (1.5, ("反映医保报销问题", "关于异地就医结算的问题"), (
        "在外地住院的费用{金额}回来后无法报销。",
        "城乡居民医保缴费后显示未参保。",
    )),
    "0701": (2.0, ("反映子女入学难", "关于学区划分的问题"), (
        "随迁子女在{镇}就近入学被拒。",
        "学区划分调整后，孩子需到五公里外上学。",
    )),
    "0702": (1.0, ("反映乡村教师补贴未落实", "关于代课教师待遇的问题"), (
        "乡村教师生活补助已停发{月}个月。",
        "原民办代课教师要求落实养老保险待遇。",
    )),
    "0801": (4.0, ("反映低保评定不公", "申请低保未获批准"), (
        "{村}低保评定存在人情保、关系保。",
        "信访人家庭困难，申请低保被村里拒绝。",
        "低保金被无故停发。",
    )),
    "0802": (2.0, ("申请临时救助", "反映困难家庭救助问题"), (
        "家中因病致贫，医疗费用{金额}无力承担，申请救助。",
        "房屋因灾倒塌，申请救助未获答复。",
    )),
    "0803": (1.0, ("反映公墓收费过高", "关于殡葬改革的问题"), (
        "公墓墓穴价格过高，群众难以承受。",
        "村里强制平坟，补偿未到位。",
    )),
    "0901": (3.5, ("反映{公司}排放污染", "关于{村}养殖场污染的问题"), (
        "{公司}夜间偷排废水，附近河道发黑发臭。",
        "{村}养猪场粪污直排，气味难闻。",
        "工厂烟尘污染严重，周边庄稼受损。",
    )),
    "0902": (2.0, ("反映施工噪声扰民", "关于夜间噪声的问题"), (
        "工地夜间施工噪声扰民，影响休息。",
        "广场舞音响声音过大，居民多次投诉无果。",
    )),
    "1001": (1.0, ("反映原{公司}改制职工安置问题", "关于改制企业职工身份置换的问题"), (
        "企业改制时职工经济补偿金未足额发放。",
        "原{公司}改制后拖欠工资和集资款至今未还。",
        "改制时承诺的安置政策未落实。",
    )),
    "1002": (1.0, ("反映国有资产流失", "关于企业改制资产处置的问题"), (
        "企业改制时资产评估过低，存在国有资产流失。",
        "厂房土地被低价转让。",
    )),
    "1101": (2.0, ("退役军人反映安置待遇问题", "关于优抚金发放的问题"), (
        "信访人系退役士兵，要求落实安置政策。",
        "参战退役人员生活补助未按标准发放。",
    )),
    "1201": (3.0, ("反映惠农补贴被截留", "关于耕地地力保护补贴的问题"), (
        "{年}年耕地地力保护补贴至今未发放到户。",
        "村干部虚报冒领惠农补贴。",
    )),
    "1202": (4.0, ("反映{村}村务不公开", "要求公开{村}集体财务"), (
        "{村}集体资产出租收入{金额}去向不明。",
        "村干部长期不公开村务和财务。",
        "村集体工程发包未经村民代表大会讨论。",
    )),
    "1301": (2.5, ("反映{村}道路建设问题", "关于通村公路质量的问题"), (
        "新修通村公路不到一年就出现大面积破损。",
        "道路建设占用信访人耕地未给补偿。",
    )),
    "9901": (9.2, ("咨询政策问题", "反映邻里纠纷", "提出意见建议"), (
        "邻里之间因排水问题发生纠纷，协调未果。",
        "对相关政策有疑问，希望得到解释。",
        "建议在{村}增设公交站点。",
    )),
}  # fmt: skip

# (channel, weight %, hours of the day it arrives)
CHANNELS = (
    (Channel.LETTER, 30, (8.5, 17.5)),
    (Channel.VISIT, 30, (8.0, 17.5)),
    (Channel.CALL, 12, (8.0, 20.0)),
    (Channel.ONLINE, 22, (0.0, 24.0)),
    (Channel.RECEPTION_DAY, 2, (9.0, 11.5)),
    (Channel.REFERRAL, 4, (9.0, 17.0)),
)
S = PetitionStatus
# Status by age of the petition in days: (up to this age, {status: weight}).
STATUS_BY_AGE: tuple[tuple[int, dict[str, float]], ...] = (
    (7, {S.REGISTERED: 55, S.ACCEPTED: 30, S.NOT_ACCEPTED: 5, S.TRANSFERRED: 6, S.ASSIGNED: 4}),
    (15, {S.REGISTERED: 15, S.ACCEPTED: 35, S.ASSIGNED: 15, S.HANDLING: 20, S.NOT_ACCEPTED: 6,
          S.TRANSFERRED: 9}),
    (60, {S.ACCEPTED: 8, S.ASSIGNED: 10, S.HANDLING: 40, S.REPORT_PENDING: 10, S.ANSWERED: 15,
          S.CLOSED: 8, S.NOT_ACCEPTED: 4, S.TRANSFERRED: 5}),
    (180, {S.HANDLING: 8, S.REPORT_PENDING: 4, S.ANSWERED: 38, S.CLOSED: 40, S.REVIEW: 3,
           S.NOT_ACCEPTED: 3, S.TRANSFERRED: 4}),
    (365, {S.CLOSED: 78, S.ANSWERED: 12, S.REVIEW: 1.5, S.REREVIEW: 0.5, S.HANDLING: 1,
           S.NOT_ACCEPTED: 3, S.TRANSFERRED: 4}),
    (100_000, {S.CLOSED: 89, S.ANSWERED: 2, S.DECLINED_AGAIN: 1, S.NOT_ACCEPTED: 4, S.TRANSFERRED: 4}),
)  # fmt: skip

ROUTED_STATES = frozenset(
    {S.TRANSFERRED, S.ASSIGNED, S.HANDLING, S.REPORT_PENDING, S.ANSWERED, S.REVIEW, S.REREVIEW, S.CLOSED}
)
ANSWERED_STATES = frozenset({S.ANSWERED, S.REVIEW, S.REREVIEW, S.CLOSED})
OUTCOMES = ("support", "explain", "not_support")
ROUTED_SHARE = 0.6

# Shares of the whole (approximate): petitions whose person petitioned before (same category,
# within the unit's recent register), how many of those are linked as 重复件, and flags.
REPEAT_SHARE = 0.06
REPEAT_LINK_SHARE = 0.7
OTHER_MATTER_SHARE = 0.03  # the same person about a different matter
COLLECTIVE_SHARE = 0.03
ANONYMOUS_SHARE = 0.04  # of letters, calls and online petitions
SKIP_LEVEL_SHARE = 0.04
URGENT_SHARE = 0.02
ANONYMOUS_CHANNELS = frozenset({Channel.LETTER.value, Channel.CALL.value, Channel.ONLINE.value})
RECENT_PER_UNIT = 2000  # how far back in a unit's register a repeat petitioner is looked for

# --- columns the generator fills (model attnames, in tuple order) -------------------------------

PETITION_FIELDS = (
    "id", "number", "unit_id", "unit_path", "channel", "received_at", "subject", "content",
    "category_id", "problem_unit_id", "complained_unit_id", "complained_party", "is_skip_level",
    "is_collective", "is_anonymous", "is_urgent", "is_litigation", "is_joint_letter", "headcount",
    "status", "current_deadline", "registered_by_id", "created_at", "repeat_of_id", "referral_kind",
    "referral_office", "referral_number", "referral_deadline", "petitioner_names", "handling_unit_id",
    "handling_path", "handling_shared_depth", "extension_requested_days", "hearing_pending", "review_stage", "answer_outcome",
    "satisfaction", "is_final",
)  # fmt: skip
PETITIONER_FIELDS = (
    "id", "name", "gender", "id_number", "phone", "address", "workplace", "unit_id", "unit_path",
    "created_at",
)  # fmt: skip
LINK_FIELDS = ("petition_id", "petitioner_id", "is_representative", "position")
SEARCH_FIELDS = ("petition_id", "tokens")
DEADLINE_FIELDS = (
    "owner_type", "owner_id", "rule", "start", "start_date", "amount", "unit", "extension_days",
    "pauses", "due_date", "is_open", "missing_years", "calendar_version", "explanation", "computed_at",
)  # fmt: skip


# --- text with pre-segmented words ------------------------------------------------------------


class Phrasebook:
    """Renders templates to (text, tokens) without running jieba per text.

    Literal parts are segmented once, slot values once per distinct value; the tokens of a text
    are the concatenation. jieba may cut a whole content slightly differently at part boundaries;
    what search needs is that the query words' tokens are there, which `_literal_tokens` ensures
    for `SEARCHED_WORDS`.
    """

    def __init__(self) -> None:
        self._tokens: dict[str, list[str]] = {}
        self._compiled: dict[str, list[tuple[bool, str]]] = {}

    def tokens(self, text: str) -> list[str]:
        cached = self._tokens.get(text)
        if cached is None:
            cached = self._tokens[text] = self._literal_tokens(text)
        return cached

    @staticmethod
    def _literal_tokens(text: str) -> list[str]:
        tokens = segment(text)
        for word in SEARCHED_WORDS:
            if word in text and not set(segment(word)) <= set(tokens):
                before, _, after = text.partition(word)
                return [
                    *Phrasebook._literal_tokens(before),
                    *segment(word),
                    *Phrasebook._literal_tokens(after),
                ]
        return tokens

    def _compile(self, template: str) -> list[tuple[bool, str]]:
        """[(is_slot, literal text or slot name)], literal tokens warmed up."""
        parts: list[tuple[bool, str]] = []
        rest = template
        while rest:
            start = rest.find("{")
            if start < 0:
                parts.append((False, rest))
                break
            if start:
                parts.append((False, rest[:start]))
            end = rest.index("}", start)
            parts.append((True, rest[start + 1 : end]))
            rest = rest[end + 1 :]
        for is_slot, text in parts:
            if not is_slot:
                self.tokens(text)
        return parts

    def render(self, template: str, slots: dict[str, str], text: list[str], tokens: list[str]) -> None:
        """Appends the rendered template to `text` and its words to `tokens`."""
        parts = self._compiled.get(template)
        if parts is None:
            parts = self._compiled[template] = self._compile(template)
        for is_slot, value in parts:
            if is_slot:
                value = slots[value]
            text.append(value)
            tokens.extend(self.tokens(value))


# --- the organisation the generator registers into -----------------------------------------------


@dataclass(frozen=True)
class PlaceUnit:
    """A unit a problem can belong to (问题属地), with the names used in texts and addresses."""

    id: int
    township: str
    village: str  # "" for a township itself or a department (then township is "" too)
    path: str = ""


@dataclass(frozen=True)
class RegisteringUnit:
    """A unit whose clerk registers petitions: the county, a township or a department."""

    id: int
    code: str
    path: str
    clerk_id: int
    weight: float
    places: tuple[PlaceUnit, ...]
    categories: tuple[str, ...] = ()  # a department's usual categories
    recent: list[tuple[int, tuple[tuple[int, str], ...], str, PlaceUnit, date]] = field(
        default_factory=list, compare=False, repr=False
    )


@dataclass(frozen=True)
class DayDeadline:
    """What the calendar engine gives for a petition received on one day (computed once per day)."""

    due_date: Any  # in the database's representation
    missing_years: Any
    calendar_version: str
    explanation: Any


@dataclass
class Batch:
    petitions: list[tuple] = field(default_factory=list)
    petitioners: list[tuple] = field(default_factory=list)
    links: list[tuple] = field(default_factory=list)
    search: list[tuple] = field(default_factory=list)
    deadlines: list[tuple] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.petitions)


@dataclass
class Adapters:
    """How values reach the database: SQLite takes text, PostgreSQL aware datetimes and JSON."""

    datetime: Callable[[datetime], Any]  # from an aware UTC datetime
    date: Callable[[date], Any]
    json: Callable[[Any], Any]


def sqlite_adapters() -> Adapters:
    return Adapters(
        datetime=lambda value: value.replace(tzinfo=None).isoformat(" "),
        date=date.isoformat,
        json=lambda value: json.dumps(value, ensure_ascii=False),
    )


def day_plan(*, count: int, today: date, years: int, rng: random.Random) -> list[tuple[date, int]]:
    """How many petitions arrive on each day of the last `years` years (ending today): volume
    doubles over the period; weekends and fixed-date holidays are quiet."""
    first = date(today.year - years, today.month, min(today.day, 28)) + timedelta(days=1)
    days = [first + timedelta(days=i) for i in range((today - first).days + 1)]
    weights = []
    for i, day in enumerate(days):
        weight = (1.0 + i / len(days)) * rng.uniform(0.8, 1.2)
        if day.weekday() >= 5:
            weight *= 0.3
        if (day.month, day.day) in {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}:
            weight *= 0.3
        weights.append(weight)
    total = sum(weights)
    plan, cumulative, given = [], 0.0, 0
    for day, weight in zip(days, weights, strict=True):
        cumulative += weight
        upto = round(count * cumulative / total)
        plan.append((day, upto - given))
        given = upto
    return plan


class PetitionGenerator:
    """Yields petitions in order of receipt, as `petition_register` would have written them.

    Ids are handed out from `first_petition_id` / `first_petitioner_id` (the loader holds the write
    lock); numbers continue `sequences` ({(unit_id, year): last value}, updated in place) so that
    they stay gap-free per unit and year and later registrations continue them.
    """

    def __init__(
        self,
        *,
        rng: random.Random,
        units: list[RegisteringUnit],
        categories: dict[str, int],
        complained_units: list[int],
        now: datetime,
        first_petition_id: int,
        first_petitioner_id: int,
        sequences: dict[tuple[int, int], int],
        deadline_for: Callable[[date], DayDeadline],
        adapters: Adapters,
        years: int = 3,
    ) -> None:
        self.rng = rng
        self.units = units
        self.unit_weights = _cumulative([u.weight for u in units])
        self.categories = categories
        self.complained_units = complained_units
        self.now = now
        self.today = now.astimezone(LOCAL_TZ).date()
        self.years = years
        self.next_petition_id = first_petition_id
        self.next_petitioner_id = first_petitioner_id
        self.sequences = sequences
        self.deadline_for = deadline_for
        self.deadline_cache: dict[date, DayDeadline] = {}
        self.db = adapters
        self.now_db = adapters.datetime(now.astimezone(UTC))
        self.no_pauses = adapters.json([])
        self.book = Phrasebook()
        self.name_tokens: dict[str, list[str]] = {}
        self.used_id_numbers: set[str] = set()
        self.codes = list(SUBCATEGORIES)
        self.code_weights = _cumulative([SUBCATEGORIES[c][0] for c in self.codes])
        self.channels = [str(c) for c, _, _ in CHANNELS]
        self.channel_weights = _cumulative([w for _, w, _ in CHANNELS])
        self.channel_hours = {str(c): hours for c, _, hours in CHANNELS}
        self.status_bands = [
            (age, [str(s) for s in weights], _cumulative(list(weights.values())))
            for age, weights in STATUS_BY_AGE
        ]
        self.surnames = [s for s, _ in SURNAMES]
        self.surname_weights = _cumulative([w for _, w in SURNAMES])
        self.regions = [r for r, _ in ID_REGIONS]
        self.region_weights = _cumulative([w for _, w in ID_REGIONS])
        first_birth = date(1940, 1, 1)  # petitioners born 1940–2004
        self.birth_dates = [f"{first_birth + timedelta(days=i):%Y%m%d}" for i in range(23_725)]
        self.given_male = _given_names(rng, GIVEN_MALE)
        self.given_female = _given_names(rng, GIVEN_FEMALE)
        self.amounts = [f"{n * 100}元" for n in range(10, 3000, 7)] + [
            f"{n / 10:g}万元" for n in range(10, 500, 3)
        ]
        self.recent_years = [str(self.today.year - i) for i in range(1, 6)]
        villages = [p for u in units for p in u.places if p.village]
        self.all_villages = villages or [PlaceUnit(id=0, township="青山县", village="东风村")]
        self.villages_of: dict[str, list[PlaceUnit]] = {}
        for place in villages:
            self.villages_of.setdefault(place.township, []).append(place)
        self._warm_up()

    def _warm_up(self) -> None:
        """Segments every fixed fragment once, so that no generated row waits for jieba."""
        slots = dict.fromkeys(("村", "镇", "公司", "金额", "月", "人", "年"), "")
        for template in (*OPENINGS, *BACKGROUNDS, *CLOSINGS):
            self.book.render(template, slots, [], [])
        for _, subjects, problems in SUBCATEGORIES.values():
            for template in (*subjects, *problems):
                self.book.render(template, slots, [], [])

    def batches(self, count: int, batch_size: int) -> Iterator[Batch]:
        batch = Batch()
        for day, day_count in day_plan(count=count, today=self.today, years=self.years, rng=self.rng):
            for received, channel in self._arrivals(day, day_count):
                self._petition(batch, day, received, channel)
                if len(batch) >= batch_size:
                    yield batch
                    batch = Batch()
        if batch.petitions:
            yield batch

    def _arrivals(self, day: date, count: int) -> list[tuple[datetime, str]]:
        """(received_at in UTC, channel) of the day's petitions, in order, none after now."""
        rng = self.rng
        midnight = datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)
        limit = (self.now - midnight).total_seconds() if day == self.today else 86_400
        arrivals = []
        for _ in range(count):
            channel = self.channels[_pick(self.channel_weights, rng.random())]
            start, end = self.channel_hours[channel]
            seconds = int(rng.uniform(start, end) * 3600)
            if seconds >= limit:
                seconds = int(rng.uniform(0, max(limit - 1, 0)))
            arrivals.append((midnight + timedelta(seconds=seconds), channel))
        arrivals.sort()
        return arrivals

    def _petition(self, batch: Batch, day: date, received: datetime, channel: str) -> None:
        rng = self.rng
        unit = self.units[_pick(self.unit_weights, rng.random())]
        petition_id = self.next_petition_id
        self.next_petition_id += 1
        created = min(received + timedelta(seconds=60 + _below(rng, 7140)), self.now)
        created_db = self.db.datetime(created)
        anonymous = channel in ANONYMOUS_CHANNELS and rng.random() < ANONYMOUS_SHARE
        code, place, people, repeat_of = self._matter(unit, day, anonymous=anonymous)
        text_place = self._text_place(place)
        collective = not anonymous and not people and rng.random() < COLLECTIVE_SHARE
        if not anonymous and not people:
            count = 3 if collective else _how_many(rng)
            people = self._new_people(batch, unit, text_place, created_db, count)
        headcount = 5 + _below(rng, 75) if collective else max(len(people), 1)
        number = self._number(unit, created)
        slots = self._slots(text_place)
        subject, content, tokens = self._texts(code, slots, number, [name for _, name in people])
        status = self._status((self.today - day).days)
        deadline = self._deadline(day)
        handling = self._handling_unit(unit, place, status)
        referral = self._referral(day) if channel == Channel.REFERRAL else ("", "", "", None)
        complained_unit, complained_party = None, ""
        if rng.random() < 0.2:
            complained_unit = _choice(rng, self.complained_units)
        elif "{公司}" in subject or rng.random() < 0.15:
            complained_party = slots["公司"]
        batch.petitions.append(
            (
                petition_id,
                number,
                unit.id,
                unit.path,
                channel,
                self.db.datetime(received),
                subject,
                content,
                self.categories[code],
                place.id,
                complained_unit,
                complained_party,
                rng.random() < SKIP_LEVEL_SHARE,
                collective,
                anonymous,
                rng.random() < URGENT_SHARE,
                code.startswith("03"),
                channel == Channel.LETTER and len(people) > 1 and rng.random() < 0.5,
                headcount,
                status,
                deadline.due_date,
                unit.clerk_id,
                created_db,
                repeat_of,
                *referral,
                "、".join(name for _, name in people)[:200],
                handling.id if handling else None,
                handling.path if handling else "",
                shared_depth(unit.path, handling.path) if handling else UNROUTED,
                0,
                False,
                1 if status == S.REREVIEW else 0,
                _choice(rng, OUTCOMES) if status in ANSWERED_STATES else "",
                "",
                False,
            )  # fmt: skip
        )
        batch.links.extend(
            (petition_id, person_id, collective, position) for position, (person_id, _) in enumerate(people)
        )
        scope = scope_tokens_of(unit.path, handling.path if handling else "")
        batch.search.append((petition_id, f"{tokens} {' '.join(scope)}"))
        if status not in CLOSED_STATUSES:
            batch.deadlines.append(self._deadline_row(petition_id, received, day, deadline))
        if people:
            self._remember(unit, (petition_id, people, code, place, day))

    def _handling_unit(self, unit: "RegisteringUnit", place: PlaceUnit, status: str) -> PlaceUnit | None:
        """Most matters past acceptance went to the unit where the problem lies (交办 / 转送)."""
        if status not in ROUTED_STATES or place.id == unit.id or not place.path.startswith(unit.path):
            return None
        return place if self.rng.random() < ROUTED_SHARE else None

    def _matter(
        self, unit: RegisteringUnit, day: date, *, anonymous: bool
    ) -> tuple[str, PlaceUnit, tuple[tuple[int, str], ...], int | None]:
        """(category code, problem unit, earlier petitioners, repeat_of): a new matter, the same
        matter again from someone who petitioned before (重复件), or their other matter."""
        rng = self.rng
        draw = rng.random()
        if anonymous or not unit.recent or draw >= REPEAT_SHARE + OTHER_MATTER_SHARE:
            return self._category(unit), _choice(rng, unit.places), (), None
        earlier_id, people, code, place, earlier_day = _choice(rng, unit.recent)
        if draw >= REPEAT_SHARE:
            return self._category(unit), _choice(rng, unit.places), people, None
        linked = rng.random() < REPEAT_LINK_SHARE and (day - earlier_day).days <= 365
        return code, place, people, earlier_id if linked else None

    def _category(self, unit: RegisteringUnit) -> str:
        if unit.categories and self.rng.random() < 0.8:
            return _choice(self.rng, unit.categories)
        return self.codes[_pick(self.code_weights, self.rng.random())]

    def _text_place(self, place: PlaceUnit) -> PlaceUnit:
        """The village a text and an address name: the problem unit's, else one nearby."""
        if place.village:
            return place
        nearby = self.villages_of.get(place.township) or self.all_villages
        return _choice(self.rng, nearby)

    def _slots(self, place: PlaceUnit) -> dict[str, str]:
        rng = self.rng
        return {
            "村": place.village,
            "镇": place.township,
            "公司": _choice(rng, COMPANIES),
            "金额": _choice(rng, self.amounts),
            "月": str(2 + _below(rng, 23)),
            "人": str(3 + _below(rng, 57)),
            "年": _choice(rng, self.recent_years),
        }

    def _texts(self, code: str, slots: dict[str, str], number: str, names: list[str]) -> tuple[str, str, str]:
        """(subject, content, search tokens) laid out as `search.document_tokens` lays them out."""
        rng, book = self.rng, self.book
        _, subjects, problems = SUBCATEGORIES[code]
        tokens = number.lower().split("-")  # what `segment` makes of a number: its three parts
        subject: list[str] = []
        book.render(_choice(rng, subjects), slots, subject, tokens)
        content: list[str] = []
        book.render(_choice(rng, OPENINGS), slots, content, tokens)
        for problem in rng.sample(problems, 2 if len(problems) > 2 and rng.random() < 0.4 else 1):
            book.render(problem, slots, content, tokens)
        book.render(_choice(rng, BACKGROUNDS), slots, content, tokens)
        book.render(_choice(rng, CLOSINGS), slots, content, tokens)
        for name in names:
            tokens.append(name)
            tokens.extend(self._name_tokens(name))
        return "".join(subject), "".join(content), " ".join(tokens)

    def _number(self, unit: RegisteringUnit, created: datetime) -> str:
        year = created.astimezone(LOCAL_TZ).year
        key = (unit.id, year)
        value = self.sequences.get(key, 0) + 1
        self.sequences[key] = value
        return f"{unit.code}-{year}-{value:06d}"

    def _status(self, age: int) -> str:
        for upto, statuses, weights in self.status_bands:
            if age <= upto:
                return statuses[_pick(weights, self.rng.random())]
        raise AssertionError(age)  # the last band is open-ended

    def _deadline(self, day: date) -> DayDeadline:
        cached = self.deadline_cache.get(day)
        if cached is None:
            cached = self.deadline_cache[day] = self.deadline_for(day)
        return cached

    def _deadline_row(self, petition_id: int, received: datetime, day: date, deadline: DayDeadline) -> tuple:
        return (
            OWNER_TYPE, petition_id, "acceptance", self.db.datetime(received),
            self.db.date(day), 15, "calendar_days", 0, self.no_pauses, deadline.due_date, True,
            deadline.missing_years, deadline.calendar_version, deadline.explanation, self.now_db,
        )  # fmt: skip

    def _referral(self, day: date) -> tuple[str, str, str, Any]:
        rng = self.rng
        assigned = rng.random() < 0.4
        office = _choice(rng, REFERRAL_OFFICES)
        number = f"{office[:2]}信{'交' if assigned else '转'}〔{day.year}〕{1 + _below(rng, 998)}号"
        if assigned:
            return (ReferralKind.ASSIGN.value, office, number, self.db.date(day + timedelta(days=60)))
        return (ReferralKind.TRANSFER.value, office, number, None)

    def _new_people(
        self, batch: Batch, unit: RegisteringUnit, place: PlaceUnit, created_db: Any, count: int
    ) -> tuple[tuple[int, str], ...]:
        rng = self.rng
        people = []
        for _ in range(count):
            male = rng.random() < 0.58
            name = self._name(male)
            number = self._id_number(male) if rng.random() < 0.75 else ""
            phone = _choice(rng, PHONE_PREFIXES) + f"{_below(rng, 100_000_000):08d}"
            address = f"{place.township}{place.village}{1 + _below(rng, 11)}组"
            workplace = _choice(rng, COMPANIES) if rng.random() < 0.3 else ""
            petitioner_id = self.next_petitioner_id
            self.next_petitioner_id += 1
            gender = Gender.MALE.value if male else Gender.FEMALE.value
            batch.petitioners.append(
                (
                    petitioner_id,
                    name,
                    gender,
                    number,
                    phone,
                    address,
                    workplace,
                    unit.id,
                    unit.path,
                    created_db,
                )  # fmt: skip
            )
            people.append((petitioner_id, name))
        return tuple(people)

    def _id_number(self, male: bool) -> str:
        """A fresh valid 18-character ID number (GB 11643: region, birth date, sequence whose last
        digit is odd for men, check character). Two petitioners never share one: registration
        would have found the first."""
        rng = self.rng
        while True:
            region = self.regions[_pick(self.region_weights, rng.random())]
            sequence = _below(rng, 500) * 2 + (1 if male else 0)
            first17 = f"{region}{_choice(rng, self.birth_dates)}{sequence:03d}"
            if first17 not in self.used_id_numbers:
                self.used_id_numbers.add(first17)
                return first17 + id_number_check_char(first17)

    def _name(self, male: bool) -> str:
        surname = self.surnames[_pick(self.surname_weights, self.rng.random())]
        return surname + _choice(self.rng, self.given_male if male else self.given_female)

    def _name_tokens(self, name: str) -> list[str]:
        cached = self.name_tokens.get(name)
        if cached is None:
            cached = self.name_tokens[name] = segment(name)
        return cached

    def _remember(self, unit: RegisteringUnit, record: tuple) -> None:
        if len(unit.recent) < RECENT_PER_UNIT:
            unit.recent.append(record)
        else:
            unit.recent[self.rng.randrange(RECENT_PER_UNIT)] = record


def _given_names(rng: random.Random, chars: tuple[str, ...]) -> list[str]:
    """Each single character and 200 two-character given names; a bounded set of names keeps
    the segmentation of names cacheable (and many people do share a name)."""
    singles = sorted(set(chars))
    pairs = sorted({a + b for a in singles for b in singles})
    return singles + rng.sample(pairs, min(200, len(pairs))) * 3


def _how_many(rng: random.Random) -> int:
    """1–3 petitioners: mostly one."""
    draw = rng.random()
    return 1 if draw < 0.82 else 2 if draw < 0.94 else 3


def _cumulative(weights: list[float]) -> list[float]:
    """Cumulative weights scaled to end at 1.0, for `_pick(cumulative, random())`."""
    total = sum(weights)
    running, result = 0.0, []
    for weight in weights:
        running += weight
        result.append(running / total)
    result[-1] = 1.0
    return result


def _choice(rng: random.Random, items: Any) -> Any:
    """`rng.choice` without its checks: the generator calls it tens of millions of times."""
    return items[int(rng.random() * len(items))]


def _below(rng: random.Random, n: int) -> int:
    return int(rng.random() * n)


def _pick(cumulative: list[float], draw: float) -> int:
    return min(bisect_right(cumulative, draw), len(cumulative) - 1)
