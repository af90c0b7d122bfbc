"""Everything a screen may use, built once by the composition root (app.main) and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.domain.matching import MatchIndex
from app.domain.rules import WageRules
from app.geo import DEFAULT_FIX_TIMEOUT_S, Geocoder, LocationProvider, NoLocation
from app.records import RecordService
from app.state.sync_status import StatusSource
from app.visit_check import CheckRules

if TYPE_CHECKING:
    from app.attachments import PhotoAttacher
    from app.device_sync import DeviceSync


@dataclass
class AppContext:
    service: RecordService
    sync_status: StatusSource
    location: LocationProvider
    geocoder: Geocoder | None = None
    fix_timeout_s: float = DEFAULT_FIX_TIMEOUT_S
    check_rules: CheckRules = field(default_factory=CheckRules)  # visit-location check thresholds
    wages: WageRules = field(default_factory=WageRules)  # currency sign and minimum wage per hour
    sync: DeviceSync | None = None  # None: a preview with no server link at all
    photos: PhotoAttacher | None = None  # None: a preview that cannot attach photos
    # Folded words of the records matched on job seeker and opening pages, kept for the app's life.
    match_index: MatchIndex = field(default_factory=MatchIndex)

    @classmethod
    def offline(cls, service: RecordService, sync_status: StatusSource) -> AppContext:
        return cls(service=service, sync_status=sync_status, location=NoLocation())
