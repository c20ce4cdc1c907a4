"""FastAPI dependencies of the files endpoint."""

from __future__ import annotations

from typing import Annotated
from weakref import WeakKeyDictionary

from fastapi import Depends

from tgscraper.api.deps import ContainerDep
from tgscraper.container import Container
from tgscraper.files.service import FileService
from tgscraper.files.settings import FilesSettings

# One service per container: its in-process download locks must be shared by requests.
_services: WeakKeyDictionary[Container, FileService] = WeakKeyDictionary()


def get_file_service(container: ContainerDep) -> FileService:
    service = _services.get(container)
    if service is None:
        service = _services[container] = FileService.for_container(container)
    return service


FileServiceDep = Annotated[FileService, Depends(get_file_service)]
FilesSettingsDep = Annotated[FilesSettings, Depends(FilesSettings.from_env)]
