"""The identity domain: accounts, credentials, sessions, one-time codes and tokens.

Every surface speaks to identity through these commands; each shapes the replies for its contract.
Client-supplied ids never appear here: the acting user comes from the verified envelope actor.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from . import subjects
from .counts import Buckets, Window
from .envelope import Batched, Command, Empty, Event, Message, Role
from .fields import (
    About,
    Address,
    BanReason,
    City,
    CompanyName,
    Contact,
    DealerIds,
    Device,
    Email,
    Identifier,
    Int32,
    Locations,
    NewPassword,
    Offset,
    PageSize,
    Password,
    PersonName,
    Phone,
    ReferralCode,
    Search,
    SessionId,
    SmsCode,
    Token,
    Url,
    UserAgent,
    Username,
    UuidText,
)

DOMAIN = "identity"

# Access tokens: signed by the identity worker, verified by every edge with the published keys.
ACCESS_TOKEN_TYPE = "access"
ACCESS_TOKEN_TTL_S = 15 * 60
REFRESH_TOKEN_TTL_S = 7 * 24 * 3600

# Realty's free-form profile fields (users/update/); nothing outside this list can be set that way.
REALTY_PROFILE_FIELDS = (
    "middle_name", "sex", "user_type", "whatsapp", "telegram", "viber", "zoom", "prop_city", "prop_offer",
    "prop_type", "prop_state", "about", "notifications_all_messages", "notifications_new_matches",
    "notifications_responses", "notifications_contacts", "notifications_news",
)  # fmt: skip

# Roles a person may pick when registering; the rest are granted by an admin.
SELF_SERVICE_ROLES = (Role.USER, Role.DEALER, Role.REALTOR, Role.AGENCY, Role.DEVELOPER)
# Roles an account may hold (an admin gives them): every one but the system's and the anonymous.
ACCOUNT_ROLES = (*SELF_SERVICE_ROLES, Role.MODERATOR, Role.MANAGER, Role.ADMIN)


class PublicKeyRecord(Message):
    """A verification key as published in the `AUTH_KEYS_BUCKET` KV bucket under its `kid`."""

    kid: str
    alg: str
    public_key_pem: str


class UserProfile(Message):
    """An account as the identity domain knows it; each surface shapes it for its contract."""

    id: Int32
    public_id: str
    username: str | None
    email: str | None
    phone: str | None
    full_name: str | None
    first_name: str | None
    last_name: str | None
    telegram_contact: str | None
    city: str | None
    bio: str | None
    role: Role
    is_active: bool
    email_verified: bool
    phone_verified: bool
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None
    locations: list[str] = Field(default_factory=list)
    attributes: dict[str, str | bool | None] = Field(default_factory=dict)
    avatar_url: str | None = None
    licenses_url: str | None = None
    membership_id: str | None = None
    referral_code: str | None = None
    rewards_balance: int = 0
    referred_by_id: Int32 | None = None  # the account whose referral code this one registered with


class ClientInfo(Message):
    """Where a sign-in comes from, recorded on its session."""

    ip: str | None = None
    user_agent: UserAgent | None = None
    device: Device | None = None


class TokenPair(Message):
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: str


class SignedIn(Message):
    user: UserProfile
    tokens: TokenPair


class Registered(Message):
    user: UserProfile
    tokens: TokenPair | None = None
    dev_code: str | None = None  # only in development: the SMS code, as Realty's document shows


# --- accounts -------------------------------------------------------------------------------------


class CreateUser(Command[UserProfile]):
    """An account without a password (FreeMarket `POST /api/users/`); it signs in later by code."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "create_user")
    username: Username
    email: Email | None = None
    phone: Phone | None = None
    full_name: PersonName | None = None
    telegram_contact: Contact | None = None
    city: City | None = None
    bio: About | None = None


class Register(Command[Registered]):
    """A new account. With a password it is signed in at once (`sign_in`); a phone-only account
    gets an SMS code to activate instead. 409 (`conflict`) names the identifier that is taken."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "register")
    email: Email | None = None
    phone: Phone | None = None
    username: Username | None = None
    password: NewPassword | None = None
    full_name: PersonName | None = None
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    city: City | None = None
    telegram_contact: Contact | None = None
    role: Role = Role.USER
    referral_code: ReferralCode | None = None
    sign_in: bool = True
    client: ClientInfo = ClientInfo()


class GetUser(Command[UserProfile]):
    """One account by id, by username (case-insensitive) or by public id; exactly one of the three."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_user")
    idempotent: ClassVar[bool] = True
    user_id: Int32 | None = None
    username: str | None = None
    public_id: UuidText | None = None


class ReferredAccount(Message):
    user_id: Int32
    public_id: str
    created_at: datetime


class ReferredAccounts(Message):
    referral_code: str | None  # the referrer's own
    items: list[ReferredAccount]  # newest first, at most REFERRALS_SHOWN


REFERRALS_SHOWN = 1000


class ListReferred(Command[ReferredAccounts]):
    """The accounts registered with the actor's referral code (the system may ask for anyone's)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_referred")
    idempotent: ClassVar[bool] = True
    referrer_id: Int32


class GetMe(Command[UserProfile]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_me")
    idempotent: ClassVar[bool] = True


class UpdateProfile(Command[UserProfile]):
    """The actor's own profile; a field left None keeps its value. Only these fields exist: role,
    verification flags, rewards and ids cannot be set this way."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "update_profile")
    full_name: PersonName | None = None
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    phone: Phone | None = None
    email: Email | None = None
    city: City | None = None
    bio: About | None = None
    telegram_contact: Contact | None = None
    attributes: dict[str, str | bool | None] | None = None  # keys from REALTY_PROFILE_FIELDS
    avatar_url: Url | None = None
    licenses_url: Url | None = None


class SetLocations(Command[UserProfile]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "set_locations")
    user_id: Int32
    locations: Locations


class DeleteAccount(Command[Empty]):
    """Deletes the actor's account and ends all its sessions."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "delete_account")


class UserPage(Message):
    items: list[UserProfile]
    total: int


class UserSort(StrEnum):
    CREATED_ASC = "created_asc"  # by id: the order accounts were made in
    CREATED_DESC = "created_desc"
    NAME_ASC = "name_asc"  # the full name, else the first name, username, email or phone
    NAME_DESC = "name_desc"
    SEEN_DESC = "seen_desc"  # the last sign-in; never signed in last either way
    SEEN_ASC = "seen_asc"


class ListUsers(Command[UserPage]):
    """Managers and admins only: the active accounts (deactivated ones with `active=False`, every
    one with `active=None`), of `role`, matching `search` in their identifiers or names."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_users")
    idempotent: ClassVar[bool] = True
    search: Search | None = None
    role: Role | None = None
    active: bool | None = True
    sort_by: UserSort = UserSort.CREATED_ASC
    offset: Offset = 0
    limit: PageSize = 20


class CreateAdmin(Command[UserProfile]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "create_admin")
    email: Email
    password: NewPassword


# --- credentials and sessions ----------------------------------------------------------------------


class LoginKind(StrEnum):
    EMAIL = "email"
    USERNAME = "username"
    PHONE = "phone"


class Login(Command[SignedIn]):
    """Password sign-in. A wrong identifier and a wrong password answer alike (`unauthorized`).
    Repeatable: a sign-in sent again after a lost connection opens a session the client never uses,
    which ends when it expires."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "login")
    repeatable: ClassVar[bool] = True
    kind: LoginKind
    identifier: Identifier
    password: Password
    client: ClientInfo = ClientInfo()


class LoginWithCode(Command[SignedIn]):
    """Realty's `users/token`: phone plus the SMS code."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "login_with_code")
    phone: Phone
    code: SmsCode
    client: ClientInfo = ClientInfo()


class Refresh(Command[TokenPair]):
    """Rotates the refresh token. A token that was already rotated revokes its whole session."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "refresh")
    refresh_token: Token
    client: ClientInfo = ClientInfo()


class Logout(Command[Empty]):
    """Ends the session of the refresh token if given, else the actor's current session. Idempotent:
    an ended session is announced again, and answered alike."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "logout")
    idempotent: ClassVar[bool] = True
    refresh_token: Token | None = None


class SessionInfo(Message):
    id: str
    device: str | None
    ip: str | None
    user_agent: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    current: bool


class SessionList(Message):
    items: list[SessionInfo]


class ListSessions(Command[SessionList]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_sessions")
    idempotent: ClassVar[bool] = True


class RevokeSession(Command[Empty]):
    """One of the actor's sessions; another user's session answers `not_found`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "revoke_session")
    session_id: SessionId


class Revoked(Message):
    revoked_count: int


class RevokeAllSessions(Command[Revoked]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "revoke_all_sessions")
    keep_current: bool = False


class ChangePassword(Command[Empty]):
    """Ends every other session of the actor."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "change_password")
    old_password: Password
    new_password: NewPassword


# --- one-time codes and links ----------------------------------------------------------------------


class CodePurpose(StrEnum):
    ACTIVATE = "activate"
    LOGIN = "login"
    SIGN_IN = "sign_in"  # an activation code that activated its account: it may still sign in once


class CodeSent(Message):
    dev_code: str | None = None  # only in development


class SendPhoneCode(Command[CodeSent]):
    """Sends a fresh 6-digit code (at most 3 per phone per hour). Unknown phones answer alike."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "send_phone_code")
    phone: Phone


class ActivatePhone(Command[UserProfile]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "activate_phone")
    phone: Phone
    code: SmsCode
    client: ClientInfo = ClientInfo()


class RequestPasswordReset(Command[Empty]):
    """Mails a single-use link if the account exists; the answer never says whether it does."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "request_password_reset")
    email: Email
    link_base: Url


class ResetPassword(Command[Empty]):
    """Sets a new password with a reset token; ends every session of the account."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "reset_password")
    token: Token
    new_password: NewPassword


class RequestEmailVerification(Command[Empty]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "request_email_verification")
    link_base: Url


class VerifyEmail(Command[UserProfile]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "verify_email")
    token: Token


# --- dealers --------------------------------------------------------------------------------------


class DealerCompany(Message):
    """What an ad shows of its dealer."""

    company_name: str
    phone: str | None
    logo_url: str | None


class DealerProfile(DealerCompany):
    """A dealer account's company profile, as its dealer reads it."""

    user_id: Int32
    address: str | None
    updated_at: datetime


class GetDealerProfile(Command[DealerProfile]):
    """The calling dealer's own profile; `not_found` until set, `forbidden` for any other role."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_dealer_profile")
    idempotent: ClassVar[bool] = True


class SetDealerProfile(Command[DealerProfile]):
    """The calling dealer's profile, written whole; `forbidden` for any other role."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "set_dealer_profile")
    idempotent: ClassVar[bool] = True
    company_name: CompanyName
    address: Address | None = None
    phone: Phone | None = None
    logo_url: Url | None = None


class DealerProfileChanged(Event):
    """Published after a dealer's profile is written, so that whoever keeps dealers' companies (the
    market, for the dealer's ads) forgets this one."""

    subject: ClassVar[str] = subjects.evt(DOMAIN, "dealer_profile_changed")
    user_id: Int32


class DealerProfiles(Message):
    items: list[DealerProfile]  # a dealer without a profile is left out


class ListDealerProfiles(Command[DealerProfiles]):
    """The profiles of these dealers (for a page of their ads); anyone may ask."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_dealer_profiles")
    idempotent: ClassVar[bool] = True
    user_ids: DealerIds


# --- staff: accounts and sessions of others ----------------------------------------------------------
#
# Managers and admins read any account, deactivated ones too, and its sessions; only admins change
# them. An admin cannot deactivate himself nor change his own role. A deactivated account signs in
# nowhere and its sessions end at once (announced as a logout is, so its access tokens are refused at
# every edge); a role changed ends the account's sessions too, since its access tokens name the role.
# A deleted account (its identifiers erased) is not there for these commands.


class GetAccount(Command[UserProfile]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_account")
    idempotent: ClassVar[bool] = True
    user_id: Int32


class UpdateAccount(Command[UserProfile]):
    """Another account's name, email or phone; a field left None keeps its value. A changed email or
    phone must be verified again; one another account holds is a `conflict` naming the field."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "update_account")
    user_id: Int32
    full_name: PersonName | None = None
    email: Email | None = None
    phone: Phone | None = None


class AccountChanged(Message):
    user: UserProfile
    sessions_ended: int


class SetAccountActive(Command[AccountChanged]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "set_account_active")
    idempotent: ClassVar[bool] = True
    user_id: Int32
    active: bool


class SetRole(Command[AccountChanged]):
    """One of `ACCOUNT_ROLES`; setting the role an account has changes nothing."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "set_role")
    idempotent: ClassVar[bool] = True
    user_id: Int32
    role: Role


class ListSessionsOf(Command[SessionList]):
    """The account's live sessions, the most recently used first."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_sessions_of")
    idempotent: ClassVar[bool] = True
    user_id: Int32


class RevokeSessionsOf(Command[Revoked]):
    """One of the account's sessions (another account's session is `not_found`), or all of them."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "revoke_sessions_of")
    user_id: Int32
    session_id: SessionId | None = None


# --- scheduled work --------------------------------------------------------------------------------


class SessionsPurged(Message):
    deleted: int


class PurgeExpiredSessions(Command[SessionsPurged]):
    """Scheduled: delete sessions, codes and links whose time is over."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "purge_expired_sessions")
    idempotent: ClassVar[bool] = True


# --- bans ------------------------------------------------------------------------------------------
#
# A banned account signs in nowhere until its ban ends (every sign-in, on every contract, is refused
# `forbidden`), and its sessions end as it is banned, so its access tokens are refused at every edge
# at once and its refresh tokens no longer work.


class AccountBan(Message):
    user_id: Int32
    banned_until: datetime
    reason: str
    sessions_ended: int


class BanAccount(Command[AccountBan]):
    """Admins and the system: ban until `until`, replacing any ban the account had (the latest decision
    holds, shorter or longer); an admin's account is `forbidden`, a missing one `not_found`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "ban_account")
    user_id: Int32
    until: datetime
    reason: BanReason


class LiftAccountBan(Command[Empty]):
    """Admins and the system: the account's ban ends now, and signing in works again; an account
    without a ban in force is `not_found`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "lift_account_ban")
    user_id: Int32


class ActiveBans(Message):
    count: int


class CountActiveBans(Command[ActiveBans]):
    """Moderators, admins and the system: how many accounts are banned now."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "count_active_bans")
    idempotent: ClassVar[bool] = True


class BansLifted(Batched):
    lifted: int


class LiftEndedBans(Command[BansLifted]):
    """Scheduled (the system only): one batch of bans whose end has passed is cleared. Signing in
    already works once a ban has ended; this forgets it (and it stops counting as active)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "lift_ended_bans")
    idempotent: ClassVar[bool] = True


class CountSignups(Window, Command[Buckets]):
    """Staff and the system: accounts created in each bucket of the window (the console's dashboard)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "count_signups")
    idempotent: ClassVar[bool] = True
