"""使用指引: for each role, what it does here and where to start, with links to the real pages.

Read from the home page (`workbench:guide`). Every link names a URL and the capability its page
needs, so a test can open each one as a demo account of that role: a guide never sends a user to a
page they cannot open.
"""

from collections.abc import Collection
from dataclasses import dataclass

from xinfang.accounts.roles import Role


@dataclass(frozen=True)
class Start:
    """A page to start from: its label, URL name (and query), what to do there."""

    label: str
    url_name: str
    text: str
    query: str = ""


@dataclass(frozen=True)
class Guide:
    role: Role
    summary: str  # what this role does here, in one sentence
    duties: tuple[str, ...]  # what it does, step by step
    start: tuple[Start, ...]  # where to start
    notes: tuple[str, ...] = ()  # time limits and rules worth knowing on the first day


HOME = Start("工作台", "workbench:home", "登录后的首页。")
INBOX = Start(
    "消息通知",
    "notifications:inbox",
    "导航栏右上角的铃铛：交办、督办、临期和逾期提醒都在这里，点击直接打开信访件。",
)
CALCULATOR = Start(
    "期限计算器", "deadlines:calculator", "按法定节假日和调休计算期限届满日（自然日、工作日、小时）。"
)
REGISTER = Start(
    "信访登记簿",
    "petitions:register",
    "按关键词、渠道、类别、状态、属地、期限（红灯已逾期、黄灯 3 个工作日内到期）筛选，可导出台账。",
)

GUIDES: dict[str, Guide] = {
    Role.CLERK: Guide(
        Role.CLERK,
        "接待来信、来访、来电和网上信访，登记后依法决定受理、转送或交办，跟踪到办结。",
        (
            "登记：选择来源渠道，填写信访人、反映的问题和诉求、问题类别和问题属地；系统提示 12 个月内的"
            "同类信访件，可关联为重复件。集体访推选代表不超过 5 人。",
            "受理：收到之日起 15 日内作出受理、不予受理或不再受理的决定，系统生成相应告知书。",
            "转送、交办：属于其他机关职权的转送有权处理的机关；本单位受理的可交办给下属单位及承办人，"
            "可另定交办期限。接收单位可在收到之日起 5 个工作日内提出异议退回。",
            "答复之后：登记信访人的复查、复核申请（由答复单位的上一级机关登记和办理），做好回访，办结归档。",
            "督办：对逾期未办结的信访件可以督办，确认或不予确认系统每日提议的督办。",
        ),
        (
            Start(
                "工作台「我的待办」",
                "workbench:home",
                "待受理（含转来件）、已受理待交办（含异议退回）、已答复待办结的信访件和待确认的督办提议，"
                "各带期限；下方工作队列按期限先后排列，先办红灯、黄灯件。",
            ),
            Start("登记信访", "petitions:create", "新来信、来访、来电的登记表。"),
            REGISTER,
            Start("导入台账", "petitions:import", "把原有 Excel 台账批量导入登记簿。"),
            Start(
                "督查督办 · 待确认", "supervision:list", "系统每日对逾期件提出的督办提议。", "tab=proposed"
            ),
            INBOX,
        ),
        (
            "受理期限 15 日、办理期限 60 日（可延期，累计不超过 30 日）、复查复核期限 30 日，均由系统"
            "按节假日自动计算，期限以信访件页面显示为准。",
            "查看信访人身份证号、电话等个人信息会记入审计日志。",
        ),
    ),
    Role.HANDLER: Guide(
        Role.HANDLER,
        "办理交办给本人或本单位的信访件：调查核实、提交办结报告、按审核意见答复信访人。",
        (
            "打开信访件，先看登记信息、办理时间线和已生成的文书，再调查核实。",
            "不属于本单位职权的，收到之日起 5 个工作日内「提出异议」退回，写明理由和应由哪个单位办理。",
            "调查完成后「提交办结报告」，由领导审核；审核退回的，补充后重新提交。",
            "审核通过后书面「答复」信访人，选择处理结果（支持、解释、不予支持），填写送达日期，"
            "系统生成处理意见书。",
            "案情复杂不能按期办结的，在期限内「申请延期」，写明天数和理由，由领导批准。",
            "收到督办的，按督查督办通知单的时限「报告办理情况」。",
        ),
        (
            Start(
                "工作台「我的待办」",
                "workbench:home",
                "交办给我的、交办本单位待认领的、被退回重办的、审核通过待答复的信访件和待报告的督办，"
                "各带期限；下方工作队列为交由我承办、尚未办结的全部信访件。点编号打开信访件，办理按钮在页面上。",
            ),
            INBOX,
            CALCULATOR,
        ),
        (
            "交办、退回重办、审核通过、批准延期和领导批示都会通知承办人；期限临近（3 个工作日内）和逾期时，"
            "系统会提醒承办人、承办单位领导和登记单位的接访员。",
        ),
    ),
    Role.LEADER: Guide(
        Role.LEADER,
        "把关本单位信访件的办理质量和时限：审核办结报告、批准延期、作出复查复核意见、包案和批示。",
        (
            "审核办结报告：事实清楚、定性准确、处理恰当、手续完备，逐项确认后「审核通过」，否则「退回重办」并写明理由。",
            "批准承办人的延期申请，系统生成延期办理告知单并顺延期限。",
            "复查、复核：作为答复单位的上一级机关，收到申请之日起 30 日内作出复查（复核）意见。",
            "重大疑难、集体访可「领导包案」，或作出「领导批示」；长期未解决的可「挂牌督办」（落实六定、五包）。",
            "分管领导也可以受理、交办信访件。",
        ),
        (
            Start(
                "工作台",
                "workbench:home",
                "「我的待办」：待审核的办结报告、待批准的延期申请、待作出的复查复核意见，各带期限；下方为本单位"
                "及下级的信访工作概况：在办件、逾期和临期件、五项指标、近 12 个月趋势、各单位逾期排名。",
            ),
            Start(
                "待审核的信访件", "petitions:register", "打开后逐件审核办结报告。", "status=report_pending"
            ),
            Start(
                "已逾期的信访件",
                "petitions:register",
                "红灯件，必要时包案、批示或督办。",
                "status=open&light=red",
            ),
            Start("统计分析", "stats:index", "按月份、单位、类别、渠道统计，导出信访工作通报和分析报告。"),
            Start("挂牌督办", "supervision:list", "本单位挂牌督办的事项及进展。", "tab=listed"),
        ),
    ),
    Role.PRINCIPAL: Guide(
        Role.PRINCIPAL,
        "掌握全局：看本单位信访形势，审核办结报告，作出复查复核意见，对重点事项包案、批示、挂牌督办。",
        (
            "工作台显示本单位及下级的在办件、逾期和临期件、五项指标和趋势，点数字直达对应信访件。",
            "与分管领导一样可以审核办结报告、批准延期、作出复查复核意见、领导包案、批示和挂牌督办。",
        ),
        (
            Start(
                "工作台", "workbench:home", "「我的待办」（待审核、待批准、待复查复核）和本单位信访工作概况。"
            ),
            Start("统计分析", "stats:index", "信访工作通报、转送情况通报、信访情况分析报告。"),
            Start(
                "已逾期的信访件",
                "petitions:register",
                "红灯件，可包案、批示或挂牌督办。",
                "status=open&light=red",
            ),
            Start("督查督办", "supervision:list", "督办和挂牌督办事项的进展。"),
        ),
    ),
    Role.SUPERVISOR: Guide(
        Role.SUPERVISOR,
        "督促下级按期办结：发出督办、确认系统提议的督办、跟踪办理情况直到办结。",
        (
            "在信访件页面「督办」：选择督办事由和方式，办理时限默认 5 个工作日，系统生成督查督办通知单并通知责任单位。",
            "系统每天对无正当理由超期未办结的信访件提出督办提议，在「待确认」中确认督办或写明理由不予督办。",
            "责任单位报告办理情况后，核实无误「督办办结」。",
            "督办逾期未报告的，系统自动升级，由上一级单位重新督办。",
        ),
        (
            Start(
                "工作台「我的待办」",
                "workbench:home",
                "待确认的督办提议、已报告待办结和逾期未报告的督办，各带期限。",
            ),
            Start("督查督办", "supervision:list", "全部督办事项，可按状态、单位筛选。"),
            Start(
                "待确认的督办提议", "supervision:list", "系统每日提议，逐件确认或不予督办。", "tab=proposed"
            ),
            Start("已逾期的信访件", "petitions:register", "需要督办的红灯件。", "status=open&light=red"),
            Start("统计分析", "stats:index", "各单位按期办结情况。"),
        ),
    ),
    Role.MEDIATOR: Guide(
        Role.MEDIATOR,
        "调解员负责矛盾纠纷排查调处。本平台的矛盾纠纷模块尚在建设中，上线前请按原有方式登记调解台账。",
        ("目前可以使用期限计算器，并在消息通知中接收与您有关的提醒。",),
        (CALCULATOR, INBOX),
        ("如需登记或查看信访件，请联系安全管理员为您增加相应角色（如接访员）。",),
    ),
    Role.INFORMANT: Guide(
        Role.INFORMANT,
        "信息员负责报送不稳定因素和突发事件信息。本平台的信息报送模块尚在建设中，上线前请按原有渠道报送。",
        ("目前可以使用期限计算器，并在消息通知中接收与您有关的提醒。",),
        (CALCULATOR, INBOX),
        ("如需登记或查看信访件，请联系安全管理员为您增加相应角色。",),
    ),
    Role.DUTY: Guide(
        Role.DUTY,
        "值班期间接听来电、接待来访并登记，让接访员上班后及时受理；查看本单位及下级的信访件。",
        (
            "来电、来访在值班期间登记，收到时间按实际填写（受理期限从收到之日起算）。",
            "受理、转送、交办由接访员办理；紧急情况按应急预案报告领导。",
            "值班日志模块尚在建设中。",
        ),
        (
            Start("登记信访", "petitions:create", "值班期间的来电、来访登记。"),
            Start("工作台", "workbench:home", "本单位待受理、待转送交办及待办结的信访件，按期限排列。"),
            REGISTER,
        ),
    ),
    Role.SYSADMIN: Guide(
        Role.SYSADMIN,
        "系统管理员管理用户、组织机构、节假日、期限规则和文书模板，不办理业务，不分配角色（由安全管理员分配）。",
        (
            "每年国务院办公厅发布次年节假日安排后（通常在 11 月），录入次年的法定节假日和调休上班日；"
            "未录入时期限只按周一至周五和固定日期节日推算，您的工作台会提示。",
            "新建用户并指定所属单位；用户首次登录须修改密码。业务账号忘记密码的，由您重置。",
            "组织机构：维护县、乡镇（街道）、村（社区）、部门、医院等单位树，决定数据范围。",
            "期限规则：可按单位类型设置比法定期限更短的内部时限，不能超过法定期限。",
            "文书模板：下载各类告知书模板，用 Word 修改后上传。",
        ),
        (
            Start("节假日设置", "deadlines:holidays", "录入或核对法定节假日和调休上班日。"),
            Start("用户管理", "accounts:user_list", "新建、停用用户，重置业务账号密码。"),
            Start("组织机构", "organisation:unit_list", "单位树。"),
            Start("期限规则", "deadlines:rules", "法定期限和内部时限。"),
            Start("文书模板", "documents:templates", "告知书、意见书等文书的 Word 模板。"),
        ),
        ("三员分立：系统管理员、安全管理员、审计管理员互不兼任，也不兼任业务角色。",),
    ),
    Role.SECADMIN: Guide(
        Role.SECADMIN,
        "安全管理员为用户分配角色，设置安全策略，解除被锁定的账号，重置三员账号的密码。",
        (
            "新用户由系统管理员建好后，在「角色分配」中为其分配角色（接访员、承办人、领导等）。",
            "连续登录失败达到上限（默认 5 次）的账号锁定一段时间（默认 15 分钟），可在用户页面提前解除锁定。",
            "系统管理员、安全管理员、审计管理员的密码只能由您重置。",
        ),
        (
            Start("角色分配", "accounts:user_list", "选择用户，调整其角色。"),
            Start("安全策略", "accounts:policy", "连续登录失败次数上限、锁定时长、无操作自动退出时间。"),
        ),
    ),
    Role.AUDITOR: Guide(
        Role.AUDITOR,
        "审计管理员查阅、导出和归档审计日志，监督其他用户（包括两名管理员）的操作，不做其他操作。",
        (
            "审计日志记录登录、查看个人信息、登记和每一步办理、导出、下载、配置修改等，按时间、用户、事件筛选。",
            "日志至少保存 6 个月；超过 6 个月的可以归档为带校验值的文件后从库中移出。",
        ),
        (
            Start(
                "审计日志", "audit:entry_list", "筛选、查看和导出审计记录；页面下方可归档 6 个月以前的记录。"
            ),
        ),
    ),
}


def guides_for(role_codes: Collection[str]) -> list[Guide]:
    """The guides of the roles a user holds, in the roles' order."""
    return [GUIDES[role] for role in Role if role in role_codes]
