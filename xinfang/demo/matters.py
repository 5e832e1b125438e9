"""Sample matters for the demo office, so that a new user of `make run` sees a working office:
queues with work in them, matters overdue, supervised, reviewed, charts with figures.

Every matter is registered with `petition_register` and moved with `petition_transition` (its
own steps and the attached supervision machine's), as the demo users would, so each one has its
true timeline, notices, clocks, statistics and audit entries. Each matter follows a story (登记 →
交办 → 办结报告 → 审核 → 答复 → 复查 …) whose steps happened on past working days: the loader runs
every step of every matter in the order of their moments, under `clock.simulated_now`, so
numbers of petitions and notices run in date order and a matter stalled since October is overdue
today by the calendar engine, not by a date written into a row.

Only in demo mode; only into an office that has no matters yet (so running it twice, or after
users registered their own, adds nothing). A step the rules refuse (a rule changed since these
stories were written) ends that matter's story where it stands and is reported, never half-done.
"""

import heapq
import logging
import random
import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import ApplicationError, NotFound, PermissionDenied
from xinfang.deadlines.engine import Calendar
from xinfang.deadlines.selectors import calendar_load
from xinfang.organisation.models import Unit
from xinfang.petitions import seeding
from xinfang.petitions.choices import Channel, Gender
from xinfang.petitions.models import OWNER_TYPE, Petition
from xinfang.petitions.services import PetitionerInput, PetitionInput, petition_register
from xinfang.petitions.validators import id_number_check_char
from xinfang.petitions.workflow import petition_transition

from .clock import simulated_now
from .stories import STORIES, Beat, Later, Story, Today, UnitRef, UserRef

logger = logging.getLogger(__name__)

SAMPLE_STORIES = 240
SEED = 2026
TOWNSHIPS = ("township", "street")

# Who is asked to take each step, in order; the first the rules let act takes it (the rest of the
# demo accounts follow, so a rule that moves a step to another role still finds its actor).
OFFICE = ("clerk", "county-clerk")
LEADERS = ("leader", "principal", "county-leader")
HANDLERS = ("village-handler", "village2-handler", "station-handler", "handler")
SUPERVISORS = ("supervisor", "clerk", "county-clerk")
BUSINESS = (
    *("clerk", "county-clerk", "handler", "village-handler", "village2-handler", "station-handler"),
    *("leader", "principal", "county-leader", "supervisor", "duty"),
)
ACTORS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("submit_report", "answer", "request_extension", "answer_supervision"), HANDLERS),
    **dict.fromkeys(("approve_report", "return_report", "approve_extension"), LEADERS),
    **dict.fromkeys(("decide_review", "decide_rereview", "take_ownership", "instruct"), LEADERS),
    **dict.fromkeys(("list_supervision",), LEADERS),
    **dict.fromkeys(("supervise", "close_supervision"), SUPERVISORS),
    "object": (*OFFICE, *HANDLERS),
}


@dataclass
class DemoMattersResult:
    petitions: int = 0
    steps: int = 0
    refused: list[str] = field(default_factory=list)
    seconds: float = 0.0
    skipped: bool = False


# --- the matters' particulars ----------------------------------------------------------------


class Particulars:
    """Names, ID numbers, phones and texts, from the bench seeder's word lists (same realism)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used_ids: set[str] = set()
        self.surnames = [s for s, _ in seeding.SURNAMES]
        self.surname_weights = [w for _, w in seeding.SURNAMES]
        self.categories = list(seeding.SUBCATEGORIES)
        self.category_weights = [seeding.SUBCATEGORIES[c][0] for c in self.categories]

    def person(self, place: Unit, township: str) -> PetitionerInput:
        rng = self.rng
        male = rng.random() < 0.58
        name = rng.choices(self.surnames, self.surname_weights)[0] + rng.choice(
            seeding.GIVEN_MALE if male else seeding.GIVEN_FEMALE
        )
        return PetitionerInput(
            name=name,
            gender=Gender.MALE if male else Gender.FEMALE,
            id_number=self.id_number(male),
            phone=rng.choice(seeding.PHONE_PREFIXES) + f"{rng.randrange(100_000_000):08d}",
            address=self.address(place, township),
        )

    def address(self, place: Unit, township: str) -> str:
        if place.unit_type == "village":
            return f"{township}{place.name}{1 + self.rng.randrange(11)}组"
        if place.unit_type == "community":
            return f"{township}{place.name}{1 + self.rng.randrange(30)}栋"
        return f"{township}{self.rng.choice(seeding.VILLAGE_NAMES)}村"

    def id_number(self, male: bool) -> str:
        rng = self.rng
        while True:
            born = date(1950, 1, 1) + timedelta(days=rng.randrange(50 * 365))
            first17 = f"341122{born:%Y%m%d}{rng.randrange(500) * 2 + (1 if male else 0):03d}"
            if first17 not in self.used_ids:
                self.used_ids.add(first17)
                return first17 + id_number_check_char(first17)

    def texts(self, place: Unit, township: str) -> tuple[str, str, str]:
        """(category, subject, content) of a matter in `place`."""
        rng = self.rng
        code = rng.choices(self.categories, self.category_weights)[0]
        _, subjects, problems = seeding.SUBCATEGORIES[code]
        slots = {
            "村": place.name
            if place.unit_type in ("village", "community")
            else f"{rng.choice(seeding.VILLAGE_NAMES)}村",
            "镇": township,
            "公司": rng.choice(seeding.COMPANIES),
            "金额": f"{rng.randrange(2, 60)}万元",
            "月": str(rng.randrange(2, 14)),
            "人": str(rng.randrange(3, 40)),
            "年": str(rng.choice((2023, 2024, 2025))),
        }

        def fill(template: str) -> str:
            for slot, value in slots.items():
                template = template.replace("{" + slot + "}", value)
            return template

        content = "".join(
            fill(part)
            for part in (
                rng.choice(seeding.OPENINGS),
                rng.choice(problems),
                rng.choice(seeding.BACKGROUNDS),
                rng.choice(seeding.CLOSINGS),
            )
        )
        return code, fill(rng.choice(subjects)), content


# --- when each step happened -----------------------------------------------------------------


def _office_hours(rng: random.Random) -> tuple[int, int]:
    """(hour, minute) between 8:30 and 17:30."""
    return divmod(rng.randrange(8 * 60 + 30, 17 * 60 + 30), 60)


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def _back(calendar: Calendar, day: date, working_days: int) -> date:
    while working_days > 0:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            working_days -= 1
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def _schedule(story: Story, now: datetime, calendar: Calendar, rng: random.Random) -> list[datetime]:
    """The moments of the story's beats, counted back from its last one (`slack` days ago)."""
    last_day = _back(calendar, timezone.localtime(now).date() - timedelta(days=rng.randint(*story.slack)), 0)
    hour, minute = _office_hours(rng)
    moments = [min(_at(last_day, hour, minute), now - timedelta(minutes=rng.randrange(10, 90)))]
    for beat in reversed(story.beats[1:]):
        later = moments[-1]
        if beat.gap == 0:
            moments.append(later - timedelta(minutes=rng.randrange(20, 90)))
            continue
        day = _back(calendar, timezone.localtime(later).date(), beat.gap)
        hour, minute = _office_hours(rng)
        moments.append(_at(day, hour, minute))
    moments.reverse()
    return moments


# --- running the stories -----------------------------------------------------------------------


@dataclass
class Matter:
    story: Story
    moments: list[datetime]
    petition: Petition | None = None
    place: Unit | None = None


class Loader:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.particulars = Particulars(rng)
        self.users = {
            u.username: u for u in User.objects.select_related("unit").filter(username__in=BUSINESS)
        }
        self.units: dict[str, Unit] = {u.code: u for u in Unit.objects.all()}
        self.result = DemoMattersResult()

    def resolve(self, value: Any) -> Any:
        if isinstance(value, UnitRef):
            return self.units[value.code].pk
        if isinstance(value, UserRef):
            return self.users[value.username].pk
        if isinstance(value, Today):
            return timezone.localdate() + timedelta(days=value.days)
        if isinstance(value, Later):
            day = timezone.localdate() + timedelta(days=value.days)
            return _at(day, value.hour, 30)
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def register(self, matter: Matter, repeat_of: Petition | None = None) -> None:
        story, rng = matter.story, self.rng
        actor = self.users[story.registrar]
        place = matter.place or self.units[rng.choice(story.places)]
        matter.place = place
        township = next(
            (u.name for u in self.units.values() if u.unit_type in TOWNSHIPS and u.covers(place.path)), ""
        )
        channel = (
            story.channel
            or rng.choices(
                [Channel.LETTER, Channel.VISIT, Channel.CALL, Channel.ONLINE, Channel.RECEPTION_DAY],
                [30, 32, 12, 22, 4],
            )[0]
        )
        now = timezone.now()
        received = (
            now
            if channel in (Channel.VISIT, Channel.RECEPTION_DAY, Channel.CALL)
            else now - timedelta(hours=rng.randrange(1, 40))
        )
        if repeat_of is not None:
            people = [
                PetitionerInput(
                    name=link.petitioner.name,
                    gender=link.petitioner.gender,
                    id_number=link.petitioner.id_number,
                    phone=link.petitioner.phone,
                    address=link.petitioner.address,
                )
                for link in repeat_of.petitioner_links.select_related("petitioner")
            ]
            category, subject, content = repeat_of.category.code, repeat_of.subject, repeat_of.content
        else:
            count = rng.randrange(3, 6) if story.collective else 1
            people = [self.particulars.person(place, township) for _ in range(count)]
            if story.collective:
                for person in people:
                    person.is_representative = True
            category, subject, content = self.particulars.texts(place, township)
        data = PetitionInput(
            channel=channel,
            received_at=received,
            subject=subject,
            content=content,
            category=category,
            problem_unit=place.pk,
            petitioners=people,
            headcount=rng.randrange(12, 40) if story.collective else None,
            repeat_of=repeat_of.pk if repeat_of is not None else None,
            not_repeat=repeat_of is None,  # the clerk's answer to the repeat check
        )
        matter.petition = petition_register(actor=actor, data=data)
        self.result.petitions += 1

    def candidates(self, petition: Petition, action: str) -> list[str]:
        """The demo accounts to ask, in order: the step's usual role, of the responsible unit first."""
        preferred = ACTORS.get(action, OFFICE)
        responsible = petition.handling_unit_id or petition.unit_id

        def order(username: str) -> tuple[bool, bool]:
            return username not in preferred, self.users[username].unit_id != responsible

        return sorted(BUSINESS, key=order)

    def step(self, matter: Matter, beat: Beat) -> None:
        assert matter.petition is not None
        fields = {name: self.resolve(value) for name, value in beat.fields.items()}
        for username in self.candidates(matter.petition, beat.action):
            try:
                matter.petition = petition_transition(
                    petition=matter.petition, action=beat.action, actor=self.users[username], **fields
                )
            except (PermissionDenied, NotFound):
                continue
            self.result.steps += 1
            return
        raise PermissionDenied(f"没有演示账号可以执行“{beat.action}”")

    def play(self, matter: Matter, index: int) -> None:
        beat = matter.story.beats[index]
        if beat.action == "register":
            self.register(matter)
        elif beat.action == "repeat":
            self.register(matter, repeat_of=matter.petition)
        else:
            self.step(matter, beat)


def demo_matters_load(*, stories: int = SAMPLE_STORIES, seed: int = SEED) -> DemoMattersResult:
    """Loads `stories` sample matters (a few more petitions: a 不再受理 story registers its matter
    twice) into an office with none; returns what it did and how long it took."""
    if not settings.DEMO_MODE:
        raise ApplicationError("当前为生产配置，不允许加载演示数据。")
    started = clock.monotonic()
    if Petition.objects.exists():
        return DemoMattersResult(skipped=True)
    rng = random.Random(seed)
    now = timezone.now()
    calendar = calendar_load()
    chosen = list(STORIES)  # every story at least once
    chosen += rng.choices(STORIES, [story.weight for story in STORIES], k=max(stories - len(chosen), 0))
    matters = [Matter(story, _schedule(story, now, calendar, rng)) for story in chosen[:stories]]
    queue: list[tuple[datetime, int, int]] = [(m.moments[0], i, 0) for i, m in enumerate(matters)]
    heapq.heapify(queue)
    with transaction.atomic():
        loader = Loader(rng)
        while queue:
            moment, number, index = heapq.heappop(queue)
            matter = matters[number]
            try:
                with simulated_now(moment), transaction.atomic():
                    loader.play(matter, index)
            except ApplicationError as refusal:
                beat = matter.story.beats[index]
                loader.result.refused.append(f"{matter.story.name}: {beat.action}: {refusal.message}")
                logger.warning(
                    "sample matter %s stopped at %s: %s", matter.story.name, beat.action, refusal.message
                )
                continue
            if index + 1 < len(matter.story.beats):
                heapq.heappush(queue, (matter.moments[index + 1], number, index + 1))
        result = loader.result
        audit_record(
            actor=None,
            event=AuditEvent.RECORD_CREATED,
            target_type=OWNER_TYPE,
            target_label=f"演示数据：示例信访件 {result.petitions} 件",
            username="load_demo",
            petitions=result.petitions,
            steps=result.steps,
            simulated_from=min(m.moments[0] for m in matters).isoformat(),
        )
    result.seconds = clock.monotonic() - started
    return result
