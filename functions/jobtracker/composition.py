"""The configured write path, built once per function from its configuration.

Every function that writes jobs (ingest, reconcile) stores through the same pipeline:
the repository over the configured table, the enricher reading SageMaker where the job
lives, and the alerter when alerts are on. The reconciler describes jobs itself and so
runs the pipeline without its enricher (jobtracker.reconcile). The watch reads the jobs
in flight and alerts through the same claims and topic (`configured_watcher`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jobtracker.alerts.alerter import ExactlyOnceAlerter
from jobtracker.alerts.sns import SnsPublisher, sns_client
from jobtracker.config import (
    AlertConfig,
    ConfigError,
    IngestConfig,
    PricingConfig,
    ReconcileConfig,
    TableConfig,
    WatchConfig,
)
from jobtracker.enrich import SageMakerEnricher
from jobtracker.pipeline import Pipeline
from jobtracker.price_cache import PriceCache, PriceTerms
from jobtracker.pricing import SnapshotPricer, group_dimensions
from jobtracker.sagemaker import SageMakerClients
from jobtracker.sagemaker_clients import job_clients
from jobtracker.store.alert_claims import AlertClaimRepository
from jobtracker.store.models import Models, define_models
from jobtracker.store.price_book import PriceBookStore
from jobtracker.store.reads import JobReads
from jobtracker.store.repository import JobRepository
from jobtracker.watch import WatchSettings

if TYPE_CHECKING:
    from jobtracker.alerts.watcher import Watcher
    from jobtracker.budgets import BudgetWatch

WriterConfig = IngestConfig | ReconcileConfig


def configured_clients(config: WriterConfig) -> SageMakerClients:
    """The SageMaker clients of the tracker's own account and of its members, made on
    first use."""
    return job_clients(config.home, config.member_access, config.member_role_name)


def configured_pipeline(config: WriterConfig, clients: SageMakerClients | None = None) -> Pipeline:
    """The pipeline a writer function's configuration asks for; `clients` are
    `configured_clients(config)` unless the function shares its own."""
    repository = JobRepository(config.table)
    return Pipeline(
        repository=repository,
        enricher=SageMakerEnricher(
            connect=clients or configured_clients(config), redaction=config.redaction
        ),
        alerter=configured_alerter(config.alerts, config.table, repository.models),
        pricer=configured_pricer(config.pricing, config.table),
    )


def configured_pricer(config: PricingConfig, table: TableConfig) -> SnapshotPricer:
    """Prices from the book the daily refresh caches in the table, read at most once per
    container per time-to-live (jobtracker.price_cache), under the deploy's terms."""
    prices = PriceCache(
        PriceBookStore(table).load, PriceTerms(config.overrides, config.discount_percent)
    )
    return SnapshotPricer(prices, config.cost_tags)


def configured_budget_watch(config: ReconcileConfig, models: Models) -> BudgetWatch | None:
    """The budgets of the configuration (BUDGETS), checked against the spend groups of
    the writer's table; None when there are none. A budget that cannot be kept is a
    ConfigError, at start-up."""
    if not config.budgets or config.budget_topic_arn is None:
        return None
    # Only the reconciler checks budgets, and only when some are set: the writers' cold
    # starts do without their modules.
    from jobtracker.budgets import BudgetError, BudgetWatch, SnsBudgetPublisher, parse_budgets
    from jobtracker.store.budget_claims import BudgetClaimRepository

    try:
        budgets = parse_budgets(config.budgets, group_dimensions(config.pricing.cost_tags))
    except (BudgetError, ValueError) as error:
        raise ConfigError(f"environment variable BUDGETS: {error}") from None
    return BudgetWatch(
        budgets=budgets,
        reads=JobReads(models),
        claims=BudgetClaimRepository(config.table),
        publisher=SnsBudgetPublisher(config.budget_topic_arn, sns_client(config.table.region)),
    )


def configured_alerter(
    config: AlertConfig | None, table: TableConfig, models: Models
) -> ExactlyOnceAlerter | None:
    """The alerter of the configuration, over the writer's table; None when alerts are off."""
    if config is None:
        return None
    return ExactlyOnceAlerter(
        claims=AlertClaimRepository(table, models),
        publisher=SnsPublisher(config.topic_arn, sns_client(table.region)),
        kinds=config.kinds,
        region=table.region,
        stored_record=JobReads(models).get_job,
    )


def configured_watcher(config: WatchConfig, alerts: AlertConfig) -> Watcher:
    """The watch over the configured table, publishing to the alert topic."""
    table = config.table
    models = define_models(table.table_name, table.region, table.endpoint_url)
    return make_watcher(alerts, table, models, sns_client(table.region), config.settings)


def make_watcher(
    config: AlertConfig,
    table: TableConfig,
    models: Models,
    sns_client: Any,
    settings: WatchSettings,
) -> Watcher:
    """The watch's run over the jobs table, publishing with this SNS client."""
    # Only the watch function runs it: the writers' cold starts do without its module
    # and the alert message it formats.
    from jobtracker.alerts.watcher import Watcher

    reads = JobReads(models)
    return Watcher(
        jobs=reads,
        claims=AlertClaimRepository(table, models),
        publisher=SnsPublisher(config.topic_arn, sns_client),
        stored_record=reads.get_job,
        kinds=config.kinds,
        settings=settings,
        region=table.region,
    )
