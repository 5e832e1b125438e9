from django.http import HttpRequest
from ninja import Router, Schema

from xinfang.accounts.permissions import has_capability
from xinfang.core.bounds import PageNumber
from xinfang.core.exceptions import PermissionDenied
from xinfang.core.requests import RequestMeta

from . import services
from .models import UnitType
from .selectors import access_unit_by_id, unit_list

router = Router(tags=["组织机构"])


class UnitOut(Schema):
    id: int
    name: str
    code: str
    unit_type: str
    unit_type_label: str
    parent_id: int | None
    depth: int
    is_active: bool


class UnitPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[UnitOut]


def _out(unit) -> UnitOut:  # type: ignore[no-untyped-def]
    return UnitOut(
        id=unit.pk,
        name=unit.name,
        code=unit.code,
        unit_type=unit.unit_type,
        unit_type_label=unit.get_unit_type_display(),
        parent_id=unit.parent_id,
        depth=unit.depth,
        is_active=unit.is_active,
    )


@router.get("", response=UnitPage)
def list_units(
    request: HttpRequest, q: str = "", unit_type: str = "", page: PageNumber = 1, page_size: int = 100
) -> UnitPage:
    """调用者权限范围内的单位（本单位；领导、接访员等含下级单位）。"""
    page_size = max(1, min(page_size, 500))
    page = max(1, page)
    qs = unit_list(actor=request.user, q=q, unit_type=unit_type)
    items = list(qs[(page - 1) * page_size : page * page_size])
    return UnitPage(count=qs.count(), page=page, page_size=page_size, items=[_out(u) for u in items])


class UnitTypeOut(Schema):
    unit_type: str
    label: str
    answers: bool  # 有权处理的机关: accepts and answers in its own name, and is reviewed


class UnitTypesIn(Schema):
    answers: dict[str, bool]


def _types() -> list[UnitTypeOut]:
    answers = services.answering_types()
    return [UnitTypeOut(unit_type=t, label=label, answers=answers[t]) for t, label in UnitType.choices]


@router.get("/types", response=list[UnitTypeOut])
def list_unit_types(request: HttpRequest) -> list[UnitTypeOut]:
    """各单位类型是否为有权处理的机关（以本单位名义受理、答复信访人，并作为被复查的机关）。"""
    return _types()


@router.put("/types", response=list[UnitTypeOut])
def save_unit_types(request: HttpRequest, payload: UnitTypesIn) -> list[UnitTypeOut]:
    """修改单位类型设置（系统管理员）：只改提交的类型，并重新计算每个单位的所属机关。"""
    if not has_capability(request.user, "units.manage"):
        raise PermissionDenied("您没有执行此操作的权限。")
    services.unit_types_save(
        actor=request.user, answers=payload.answers, request_meta=RequestMeta.from_request(request)
    )
    return _types()


@router.get("/{unit_id}", response=UnitOut)
def get_unit(request: HttpRequest, unit_id: int) -> UnitOut:
    """权限范围外的单位与不存在的单位一样回答 404。"""
    return _out(access_unit_by_id(request.user, unit_id))
