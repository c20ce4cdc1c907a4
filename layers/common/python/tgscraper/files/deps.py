"""FastAPI dependencies of the files endpoint."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from tgscraper.api.deps import ContainerDep
from tgscraper.files.service import FileService
from tgscraper.files.settings import FilesSettings


def get_file_service(container: ContainerDep) -> FileService:
    return FileService.for_container(container)


FileServiceDep = Annotated[FileService, Depends(get_file_service)]
FilesSettingsDep = Annotated[FilesSettings, Depends(FilesSettings.from_env)]
