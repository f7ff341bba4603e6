"""What a Chinese retail bank's complaints are about: value lists and their affinities.

Weights are relative shares, loosely shaped on the regulator's quarterly
bulletins (credit cards and personal loans dominate, wealth products are few but
costly). They only need to be plausible: the demo exists to exercise the
cockpit, not to forecast anything.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    name: str
    business_line: str
    department: str  # head-office department accountable by default
    weight: float  # share of primary complaints
    issues: dict[str, float]  # issue -> relative weight for this product
    amount_share: float  # share of its cases that state a disputed amount
    amount_median_yuan: float
    amount_sigma: float  # log-normal spread of the amount
    elderly: float = 0.05  # share of complainants per vulnerable group
    student: float = 0.01
    small_business: float = 0.02
    litigation: float = 0.002


PRODUCTS: tuple[Product, ...] = (
    # 零售信贷
    Product(
        "个人住房贷款",
        "零售信贷",
        "零售信贷部",
        8,
        {
            "息费争议": 25,
            "业务办理效率": 20,
            "合同条款": 15,
            "贷款审批": 15,
            "征信异议": 10,
            "服务态度": 8,
            "催收方式": 5,
            "其他": 2,
        },
        0.5,
        8000,
        1.2,
    ),
    Product(
        "房抵贷",
        "零售信贷",
        "零售信贷部",
        4,
        {
            "息费争议": 25,
            "合同条款": 15,
            "贷款审批": 15,
            "销售误导": 10,
            "征信异议": 10,
            "催收方式": 10,
            "业务办理效率": 10,
            "其他": 5,
        },
        0.6,
        30000,
        1.2,
        small_business=0.3,
        litigation=0.01,
    ),
    Product(
        "个人消费贷",
        "零售信贷",
        "零售信贷部",
        8,
        {
            "息费争议": 25,
            "催收方式": 25,
            "征信异议": 15,
            "贷款审批": 10,
            "信息安全": 8,
            "服务态度": 7,
            "合同条款": 5,
            "其他": 5,
        },
        0.6,
        3000,
        1.0,
        student=0.05,
    ),
    Product(
        "经营贷",
        "零售信贷",
        "普惠金融部",
        4,
        {"贷款审批": 25, "息费争议": 20, "催收方式": 15, "征信异议": 15, "合同条款": 10, "业务办理效率": 10, "其他": 5},
        0.6,
        20000,
        1.2,
        small_business=0.6,
        litigation=0.01,
    ),
    Product(
        "汽车贷款",
        "零售信贷",
        "零售信贷部",
        3,
        {"息费争议": 30, "销售误导": 15, "征信异议": 15, "催收方式": 15, "业务办理效率": 15, "其他": 10},
        0.5,
        3000,
        1.0,
    ),
    # 信用卡
    Product(
        "信用卡分期",
        "信用卡",
        "信用卡中心",
        14,
        {"息费争议": 45, "催收方式": 20, "销售误导": 15, "征信异议": 10, "服务态度": 5, "其他": 5},
        0.8,
        1500,
        1.0,
        student=0.05,
    ),
    Product(
        "信用卡账单",
        "信用卡",
        "信用卡中心",
        14,
        {"息费争议": 30, "催收方式": 30, "征信异议": 15, "服务态度": 10, "电信诈骗": 5, "信息安全": 5, "其他": 5},
        0.7,
        600,
        1.2,
        student=0.03,
    ),
    Product(
        "信用卡额度",
        "信用卡",
        "信用卡中心",
        5,
        {"额度调整": 55, "服务态度": 15, "业务办理效率": 15, "征信异议": 5, "其他": 10},
        0.1,
        10000,
        1.0,
    ),
    Product(
        "信用卡权益",
        "信用卡",
        "信用卡中心",
        5,
        {"权益兑换": 55, "销售误导": 15, "服务态度": 15, "合同条款": 10, "其他": 5},
        0.3,
        300,
        1.0,
    ),
    # 财富管理
    Product(
        "代销理财",
        "财富管理",
        "财富管理部",
        4,
        {"销售误导": 45, "产品收益": 35, "服务态度": 8, "合同条款": 7, "其他": 5},
        0.9,
        80000,
        1.1,
        elderly=0.30,
        litigation=0.006,
    ),
    Product(
        "代销保险",
        "财富管理",
        "财富管理部",
        3,
        {"销售误导": 55, "合同条款": 15, "业务办理效率": 10, "服务态度": 10, "其他": 10},
        0.9,
        50000,
        1.0,
        elderly=0.35,
    ),
    Product(
        "基金",
        "财富管理",
        "财富管理部",
        2,
        {"产品收益": 45, "销售误导": 30, "业务办理效率": 10, "服务态度": 8, "其他": 7},
        0.85,
        40000,
        1.2,
        elderly=0.15,
    ),
    Product(
        "私募",
        "财富管理",
        "私人银行部",
        1,
        {"产品收益": 45, "销售误导": 40, "合同条款": 10, "其他": 5},
        0.95,
        600000,
        0.8,
        elderly=0.10,
        litigation=0.02,
    ),
    # 运营服务
    Product(
        "借记卡",
        "运营服务",
        "运营管理部",
        6,
        {"账户冻结": 35, "电信诈骗": 25, "业务办理效率": 15, "息费争议": 10, "服务态度": 10, "其他": 5},
        0.5,
        5000,
        1.5,
        elderly=0.15,
        student=0.05,
    ),
    Product(
        "个人存款",
        "运营服务",
        "个人金融部",
        4,
        {
            "业务办理效率": 25,
            "服务态度": 20,
            "账户冻结": 15,
            "息费争议": 10,
            "合同条款": 10,
            "电信诈骗": 10,
            "其他": 10,
        },
        0.5,
        20000,
        1.3,
        elderly=0.30,
    ),
    Product(
        "柜面服务",
        "运营服务",
        "运营管理部",
        5,
        {"服务态度": 45, "业务办理效率": 40, "信息安全": 5, "其他": 10},
        0.1,
        200,
        1.0,
        elderly=0.30,
    ),
    # 电子银行
    Product(
        "手机银行",
        "电子银行",
        "网络金融部",
        7,
        {"系统故障": 35, "电信诈骗": 20, "信息安全": 15, "业务办理效率": 15, "服务态度": 5, "其他": 10},
        0.4,
        3000,
        1.5,
        elderly=0.12,
    ),
    Product(
        "网上银行",
        "电子银行",
        "网络金融部",
        2,
        {"系统故障": 40, "信息安全": 20, "业务办理效率": 20, "电信诈骗": 10, "其他": 10},
        0.4,
        3000,
        1.5,
    ),
    Product(
        "快捷支付",
        "电子银行",
        "网络金融部",
        1,
        {"电信诈骗": 35, "信息安全": 25, "息费争议": 15, "系统故障": 15, "其他": 10},
        0.7,
        2000,
        1.3,
    ),
)

BUSINESS_LINES: tuple[str, ...] = ("零售信贷", "信用卡", "财富管理", "运营服务", "电子银行")

ISSUES: tuple[str, ...] = (
    "息费争议",
    "催收方式",
    "征信异议",
    "销售误导",
    "服务态度",
    "业务办理效率",
    "电信诈骗",
    "账户冻结",
    "信息安全",
    "合同条款",
    "产品收益",
    "系统故障",
    "贷款审批",
    "额度调整",
    "权益兑换",
    "其他",
)

# Issues whose cases usually go to a specialist department instead of the product's own:
# issue -> (department, share of such cases re-routed). Card collection stays in 信用卡中心.
ISSUE_DEPARTMENTS: dict[str, tuple[str, float]] = {
    "催收方式": ("风险管理部", 0.7),
    "信息安全": ("信息科技部", 0.5),
    "系统故障": ("信息科技部", 0.5),
    "电信诈骗": ("运营管理部", 0.5),
    "征信异议": ("风险管理部", 0.3),
}
ISSUE_DEPARTMENT_EXEMPT_LINES = {"催收方式": "信用卡"}

DEPARTMENTS: tuple[str, ...] = (
    "零售信贷部",
    "普惠金融部",
    "信用卡中心",
    "财富管理部",
    "私人银行部",
    "运营管理部",
    "个人金融部",
    "网络金融部",
    "风险管理部",
    "信息科技部",
)

# Late closures and SLA breaches concentrate in a few departments (the demo's story):
# relative risk of a late case / a breached stage.
DEPARTMENT_DELAY_RISK: dict[str, float] = {
    "信用卡中心": 2.2,
    "风险管理部": 2.6,
    "运营管理部": 1.2,
    "零售信贷部": 0.9,
    "普惠金融部": 0.8,
    "财富管理部": 0.7,
    "私人银行部": 0.6,
    "个人金融部": 0.6,
    "网络金融部": 0.7,
    "信息科技部": 0.9,
}

# SLA breaches (a stage finished after its clock) concentrate even more: the share of a department's stages
# that overrun. A red card is a department's second yellow in a row (ordered by due time), so with thousands
# of stages a quarter a department earns red cards once its overruns reach a few in a thousand: most
# departments stay green, a few get yellow cards, one or two red ones, and grey listing stays rare.
DEPARTMENT_SLA_BREACH: dict[str, float] = {
    "风险管理部": 0.05,
    "信用卡中心": 0.004,
    "运营管理部": 0.0012,
    "零售信贷部": 0.0004,
    "网络金融部": 0.0,
    "普惠金融部": 0.0,
    "财富管理部": 0.0,
    "私人银行部": 0.0,
    "个人金融部": 0.0,
    "信息科技部": 0.0,
}

# 案件类型 (DATA_CONTRACT.md), in the order of the demo's codes.
CASE_TYPES: tuple[str, ...] = ("简单", "复杂", "诉讼")


# Channel shares for a first complaint and for a follow-up (repeat complainants escalate to the regulator).
CHANNEL_WEIGHTS: dict[str, tuple[float, float]] = {
    "电话": (38, 30),
    "网络": (26, 20),
    "来访": (13, 13),
    "来信": (3, 5),
    "监管转办": (5, 12),
    "12378热线": (4, 9),
    "媒体": (1, 3),
    "其他": (10, 8),
}
REGULATOR_CHANNELS = ("监管转办", "12378热线")
OFFICE_HOUR_CHANNELS = ("来访", "来信", "监管转办", "其他")  # registered during office hours only

VULNERABLE_GROUPS: tuple[str, ...] = ("老年人", "残障人士", "小微企业主", "学生", "无")
DISABLED_SHARE = 0.01

SATISFACTION: tuple[str, ...] = ("满意", "基本满意", "不满意", "未回访")

# Summary text: "客户反映<产品>业务<phrase>，<demand>。"; three phrases per issue.
ISSUE_PHRASES: dict[str, tuple[str, str, str]] = {
    "息费争议": ("收取的费用与约定不符", "利息计算有异议", "费用未事先明确告知"),
    "催收方式": ("催收电话过于频繁", "催收人员联系其亲友", "催收用语不当"),
    "征信异议": ("征信报告中的逾期记录有误", "未经授权查询其征信", "不良记录未及时更正"),
    "销售误导": ("销售时夸大收益、未充分揭示风险", "被误导购买，与宣传不符", "风险评估流程不规范"),
    "服务态度": ("工作人员服务态度差", "客服人员推诿", "工作人员解释不耐心"),
    "业务办理效率": ("业务办理时间过长", "多次往返仍未办结", "排队等候时间过长"),
    "电信诈骗": ("遭遇电信诈骗，资金被转走", "账户被盗刷", "可疑交易未被及时拦截"),
    "账户冻结": ("账户被限制非柜面交易", "账户被管控无法正常使用", "解除管控流程繁琐"),
    "信息安全": ("个人信息疑似泄露", "频繁收到营销信息", "未经同意使用其个人信息"),
    "合同条款": ("合同条款表述不清", "格式条款不合理", "未提供合同副本"),
    "产品收益": ("产品净值亏损", "实际收益低于预期", "收益计算有异议"),
    "系统故障": ("系统故障导致交易失败", "无法正常登录", "转账重复扣款"),
    "贷款审批": ("贷款申请被拒且未说明原因", "审批时间过长", "放款延迟"),
    "额度调整": ("信用额度被降低", "申请提额被拒", "额度被冻结"),
    "权益兑换": ("积分权益无法兑换", "权益规则变更未告知", "活动奖励未到账"),
    "其他": ("相关业务存在问题", "对处理结果不认可", "提出其他诉求"),
}
DEMANDS: tuple[str, ...] = (
    "要求退还相关费用",
    "要求给予合理解释",
    "要求尽快处理",
    "要求赔偿损失",
    "要求更正",
    "要求道歉并整改",
)
