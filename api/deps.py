"""Dependencies wired in one place: the runtime (settings, Faust app, topics, services) as FastAPI deps."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from config.settings import Settings
from streams.runtime import Runtime
from streams.worker import Worker


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def get_worker(request: Request) -> Worker:
    return request.app.state.worker


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.runtime.settings


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
WorkerDep = Annotated[Worker, Depends(get_worker)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
