"""The service catalogue: one YAML definition per service, versioned by entry into force."""

from qamqor.catalog.evaluation import Evaluation, evaluate_service, evaluate_version
from qamqor.catalog.loader import CatalogError, active_catalog, load_catalog, use_catalog
from qamqor.catalog.model import Catalog, Service, ServiceVersion, UnknownService

__all__ = [
    "Catalog",
    "CatalogError",
    "Evaluation",
    "Service",
    "ServiceVersion",
    "UnknownService",
    "active_catalog",
    "evaluate_service",
    "evaluate_version",
    "load_catalog",
    "use_catalog",
]
