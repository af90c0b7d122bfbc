"""A stand-in for the API that applies every pushed operation as version 1 and has nothing to pull:
for tests of what the engine and the store do around the requests, not of the server."""

from __future__ import annotations

from sync.protocol import Operation, OperationResult, PullResponse, PushResponse


class ApplyingApi:
    def push(self, operations: list[Operation]) -> PushResponse:
        return PushResponse(
            results=[
                OperationResult(
                    op_id=op.op_id, kind=op.kind, record_id=op.record_id, status="applied", version=1
                )
                for op in operations
            ]
        )

    def pull(self, cursor: str | None, *, limit: int = 500) -> PullResponse:
        return PullResponse(changes=[], next_cursor="c1", has_more=False)
