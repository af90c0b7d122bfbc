"""Everything a screen may use, built once by the composition root (app.main) and passed down."""

from __future__ import annotations

from dataclasses import dataclass

from app.geo import DEFAULT_FIX_TIMEOUT_S, Geocoder, LocationProvider, NoLocation
from app.records import RecordService
from app.state.sync_status import SyncStatus


@dataclass
class AppContext:
    service: RecordService
    sync_status: SyncStatus
    location: LocationProvider
    geocoder: Geocoder | None = None
    fix_timeout_s: float = DEFAULT_FIX_TIMEOUT_S

    @classmethod
    def offline(cls, service: RecordService, sync_status: SyncStatus) -> AppContext:
        return cls(service=service, sync_status=sync_status, location=NoLocation())
