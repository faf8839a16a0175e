"""The car catalog's commands, answered from the worker's `CarIndex` (car_index.py): `SearchCars`
(an unknown brand is a `validation` error naming the field `brand`) and `GetCar` (`not_found` for an
id that is no configuration)."""

from __future__ import annotations

from protocols.advisor_cars import Car, CarPage, GetCar, SearchCars
from protocols.envelope import Actor, DomainError, ErrorCode

from .deps import AdvisorDeps
from .handlers import handlers


@handlers.on(SearchCars)
async def search_cars(cmd: SearchCars, _actor: Actor, deps: AdvisorDeps) -> CarPage:
    return await deps.cars.search(cmd)


@handlers.on(GetCar)
async def get_car(cmd: GetCar, _actor: Actor, deps: AdvisorDeps) -> Car:
    car = await deps.cars.car(cmd.car_id)
    if car is None:
        raise DomainError(ErrorCode.NOT_FOUND, "Car not found")
    return car
