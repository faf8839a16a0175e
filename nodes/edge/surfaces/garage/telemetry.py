"""Membership Auto (004) "Telematics": a dongle's batches in, and the member's telemetry out.

`POST /api/telematics/{vehicleId}/` takes the documented batch (`vehicleId`, `startTimestamp`,
`endTimestamp`, `samples` with `t` in Unix milliseconds, `speed` km/h, `fuelRate` L/h, `odometer`) and
the usual OBD fields beside them: `rpm`, `coolantTemp` (°C), `fuelLevel` (%), `batteryVoltage` (V),
`latitude`, `longitude`, `ignition` (true/false) and `faultCodes` (`["P0301"]`; an empty list says
none are active any more). It answers 202 `{"message": "Telemetry batch accepted"}` once JetStream
has stored the batch, and never before. A bad batch is a 400 naming what is wrong, and nothing of it
is kept: its body over `[telemetry] max_batch_bytes`, no samples or more than `max_samples`, a
`vehicleId` other than the path's, a window longer than `max_window_s` or ending before it starts, a
sample outside the window or two at the same `t`, an end more than `max_skew_s` ahead of the server's
clock, a start older than `max_age_s`, a value outside its range (protocols/telemetry.py). Only the
vehicle's owner may upload (another's vehicle is 404). While the stream is full it answers 429, while
NATS or the stream does not answer 503, both with `Retry-After`: send the same batch again, and it is
stored once (JetStream knows it by vehicle, window and sample count; the database by vehicle and `t`).

Read-backs (the document is silent on them), the vehicle's owner only:

- `GET /api/telematics/{vehicleId}/samples/?before=&limit=`: recent samples, newest first (100, at
  most 500; `before` a time in ms to page back), shaped as uploaded.
- `GET /api/telematics/{vehicleId}/trips/?limit=`: `{"distanceKm", "fuelUsedL", "fuelEconomy",
  "trips": [...]}`, totals over every trip and the newest trips (20, at most 100), each with
  `startTimestamp`, `endTimestamp`, `ongoing`, `distanceKm`, `fuelUsedL`, `fuelEconomy` (L/100 km, null
  over too short a distance or without fuel readings), `maxSpeed`, `samples`.
- `GET /api/telematics/{vehicleId}/faults/`: the active fault codes, `[{"code", "description",
  "firstSeen", "lastSeen"}]`; a new one is also told to the member as a notification (`fault_code`).
"""

from __future__ import annotations

import time
from typing import Annotated

from aiohttp import web
from pydantic import Field, RootModel

from nodes.edge.http import SurfaceRoutes, read_body, read_query
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS, SETTINGS
from protocols import subjects
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import SAMPLE_PAGE_MAX, SAMPLES_LENGTH, PageSize
from protocols.telemetry import (
    ActiveFaults,
    ListTrips,
    Millis,
    RecentSamples,
    Sample,
    TelemetryBatch,
    fuel_economy,
    shard_of,
)

from .errors import SURFACE
from .owners import OWNERS
from .shapes import CamelModel, camel
from .vehicles import CAMEL_BODY, owned_vehicle

routes = SurfaceRoutes(SURFACE)

PREFIX = "/api/telematics/{vehicleId}/"
ACCEPTED = "Telemetry batch accepted"


class SampleBody(Sample):
    model_config = CAMEL_BODY


class BatchBody(CamelModel):
    vehicle_id: str
    start_timestamp: Millis
    end_timestamp: Millis
    samples: Annotated[list[SampleBody], SAMPLES_LENGTH]


class Accepted(CamelModel):
    message: str


class SampleOut(SampleBody):
    pass


class SampleList(RootModel[list[SampleOut]]):
    pass


class TripOut(CamelModel):
    id: str
    start_timestamp: int
    end_timestamp: int
    ongoing: bool
    distance_km: float
    fuel_used_l: float
    fuel_economy: float | None = Field(description="Litres per 100 km.")
    max_speed: float | None
    samples: int


class TripsOut(CamelModel):
    distance_km: float
    fuel_used_l: float
    fuel_economy: float | None = Field(description="Litres per 100 km over every trip.")
    trips: list[TripOut]


class FaultOut(CamelModel):
    code: str
    description: str
    first_seen: int
    last_seen: int


class FaultListOut(RootModel[list[FaultOut]]):
    pass


class SamplesQuery(CamelModel):
    before: Millis | None = None
    limit: Annotated[int, Field(ge=1, le=SAMPLE_PAGE_MAX)] = 100


class TripsQuery(CamelModel):
    limit: PageSize = 20


def bad(field: str, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, f"{field}: {message}", {"field": field})


async def read_batch(request: web.Request) -> BatchBody:
    """The body as a batch, or the 400 that names what is wrong with it."""
    limits = request.app[SETTINGS].telemetry
    if len(await request.read()) > limits.max_batch_bytes:
        raise DomainError(ErrorCode.VALIDATION, f"Batch too large: at most {limits.max_batch_bytes} bytes")
    batch = await read_body(request, BatchBody)
    start, end = batch.start_timestamp, batch.end_timestamp
    if len(batch.samples) > limits.max_samples:
        raise bad("samples", f"at most {limits.max_samples} samples in a batch")
    if end < start:
        raise bad("endTimestamp", "before startTimestamp")
    if end - start > limits.max_window_s * 1000:
        raise bad("endTimestamp", f"a batch spans at most {limits.max_window_s:g} s")
    now = time.time() * 1000
    if end > now + limits.max_skew_s * 1000:
        raise bad("endTimestamp", f"{(end - now) / 1000:.0f} s ahead of the server's clock "
                  f"(at most {limits.max_skew_s:g} s)")  # fmt: skip
    if start < now - limits.max_age_s * 1000:
        raise bad("startTimestamp", f"older than {limits.max_age_s:g} s")
    seen: set[int] = set()
    for index, sample in enumerate(batch.samples):
        if not start <= sample.t <= end:
            raise bad("samples", f"samples[{index}].t is outside the batch's window")
        if sample.t in seen:
            raise bad("samples", f"samples[{index}].t: two samples at the same time")
        seen.add(sample.t)
    return batch


@routes.post(PREFIX, auth=True, body=BatchBody,
             responses={202: Accepted, 400: None, 401: None, 404: None, 429: None, 503: None})  # fmt: skip
async def upload_batch(request: web.Request) -> web.Response:
    """Upload a telemetry batch: 202 once stored in JetStream."""
    # 404 first: another's vehicle says nothing of its batches
    vehicle_id, owner_id = await request.app[OWNERS].owned(request)
    body = await read_batch(request)
    if body.vehicle_id.lower() != vehicle_id:  # the garage writes its ids in lower case
        raise bad("vehicleId", "does not match the vehicle of the path")
    # Built from what read_batch validated, without validating every sample a second time.
    batch = TelemetryBatch.model_construct(
        vehicle_id=vehicle_id, owner_id=owner_id, start_timestamp=body.start_timestamp,
        end_timestamp=body.end_timestamp, samples=list(body.samples),
    )  # fmt: skip
    settings = request.app[SETTINGS]
    telemetry = settings.telemetry
    stream = request.app[BUS].stream(
        subjects.telemetry_stream(
            telemetry.stream_max_msgs, telemetry.stream_max_bytes, telemetry.duplicate_window_s
        )
    )
    subject = subjects.telemetry_batch(shard_of(vehicle_id, telemetry.shards))
    await stream.publish(
        subject, batch.model_dump_json().encode(), batch.msg_id, settings.nats.request_timeout
    )
    return camel(Accepted(message=ACCEPTED), 202)


@routes.get(PREFIX + "samples/", auth=True, query=SamplesQuery,
            responses={200: SampleList, 400: None, 401: None, 404: None})  # fmt: skip
async def recent_samples(request: web.Request) -> web.Response:
    """The vehicle's recent samples, newest first."""
    vehicle = await owned_vehicle(request)
    query = read_query(request, SamplesQuery)
    cmd = RecentSamples(vehicle_id=vehicle.id, before=query.before, limit=query.limit)
    page = await request.app[BUS].request(cmd, actor=require_actor(request))
    return camel(SampleList([SampleOut(**s.model_dump()) for s in page.items]))


@routes.get(PREFIX + "trips/", auth=True, query=TripsQuery,
            responses={200: TripsOut, 400: None, 401: None, 404: None})  # fmt: skip
async def trips(request: web.Request) -> web.Response:
    """The vehicle's trips (newest first) and its fuel economy."""
    vehicle = await owned_vehicle(request)
    query = read_query(request, TripsQuery)
    page = await request.app[BUS].request(ListTrips(vehicle_id=vehicle.id, limit=query.limit),
                                          actor=require_actor(request))  # fmt: skip
    listed = [
        TripOut(id=str(t.id), start_timestamp=t.started_at, end_timestamp=t.ended_at, ongoing=t.ongoing,
                distance_km=t.distance_km, fuel_used_l=t.fuel_used_l, fuel_economy=t.economy_l_per_100km,
                max_speed=t.max_speed, samples=t.samples)
        for t in page.items
    ]  # fmt: skip
    economy = fuel_economy(page.fuel_used_l, page.distance_km)
    return camel(TripsOut(distance_km=page.distance_km, fuel_used_l=page.fuel_used_l, fuel_economy=economy,
                          trips=listed))  # fmt: skip


@routes.get(PREFIX + "faults/", auth=True, responses={200: FaultListOut, 401: None, 404: None})
async def faults(request: web.Request) -> web.Response:
    """The vehicle's active fault codes, described."""
    vehicle = await owned_vehicle(request)
    found = await request.app[BUS].request(ActiveFaults(vehicle_id=vehicle.id), actor=require_actor(request))
    return camel(FaultListOut([FaultOut(**f.model_dump()) for f in found.items]))
