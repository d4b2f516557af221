"""botocore's bundled data (service models, endpoint data) read without a botocore session.

A session reads the AWS config for its profile even to load a model, so AWS_PROFILE naming
a profile that does not exist would make checking a flag's value raise ProfileNotFound.
Reading the data through botocore's loader involves no profile at all. The connection's
sessions are given the same loader (`share_loader`), so what a field check or the Region
list read is not read again when a client is made.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.loaders import Loader
    from botocore.model import ServiceModel
    from botocore.session import Session as BotocoreSession


@functools.cache
def _loader() -> Loader:
    from botocore.loaders import create_loader

    return create_loader()


def share_loader(session: BotocoreSession) -> None:
    """Give botocore `session` this module's loader (and its cache of what was read)."""
    session.register_component("data_loader", _loader())


@functools.cache
def service_model(service: str) -> ServiceModel:
    """The botocore model of `service` (e.g. "workmail"), newest API version."""
    from botocore.model import ServiceModel

    return ServiceModel(_loader().load_service_model(service, "service-2"), service)


@functools.cache
def service_regions(service: str) -> tuple[str, ...]:
    """The Regions of the aws partition where `service` has an endpoint, sorted."""
    from botocore.regions import EndpointResolver

    resolver = EndpointResolver(_loader().load_data("endpoints"), uses_builtin_data=True)
    return tuple(sorted(resolver.get_available_endpoints(service)))
