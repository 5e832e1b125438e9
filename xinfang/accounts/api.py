from django.http import HttpRequest
from ninja import Router, Schema

from xinfang.core.requests import RequestMeta

from . import services
from .http import AuthenticatedRequest

router = Router(tags=["认证"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    unit_id: int | None
    unit_name: str | None
    roles: list[str]
    must_change_password: bool


class MessageOut(Schema):
    message: str


@router.post("/token", auth=None, response={200: TokenOut, 400: MessageOut, 403: MessageOut})
def issue_token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    """用户名和密码换取令牌。连续 5 次失败锁定 15 分钟，与页面登录共用计数。

    令牌无操作 30 分钟（随安全策略）或签发 12 小时后失效；修改、重置密码或停用账号时全部吊销。
    须修改密码的账号（如密码被重置后）先在网页上修改密码，才能获取令牌。"""
    meta = RequestMeta.from_request(request)
    user = services.auth_authenticate(username=payload.username, password=payload.password, request_meta=meta)
    key = services.token_issue(user=user, request_meta=meta)  # refused while a password change is due
    services.auth_record_login(user=user, request_meta=meta, via="api")
    return TokenOut(token=key)


@router.delete("/token", response={200: MessageOut})
def revoke_token(request: AuthenticatedRequest) -> MessageOut:
    """吊销当前请求所用的令牌。"""
    services.token_revoke(
        actor=request.user, token=request.user.api_token, request_meta=RequestMeta.from_request(request)
    )
    return MessageOut(message="令牌已吊销。")


@router.get("/me", response=MeOut)
def get_me(request: AuthenticatedRequest) -> MeOut:
    user = request.user
    return MeOut(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        unit_id=user.unit_id,
        unit_name=user.unit.name if user.unit else None,
        roles=sorted(user.role_codes),
        must_change_password=user.must_change_password,
    )
