"""newskg: turn news articles into a knowledge graph that anyone can query and trust.

The public API is small: :func:`build` runs the pipeline from a project folder to
graph files and an embedded store; :func:`export` writes the dataset in any RDF
syntax; :func:`load_project` reads and validates the fact sheets.
"""

__version__ = "0.1.0"

from .build import BuildResult, build, export
from .errors import DataErrors, NewsKGError, Problem, StoreError, UsageError
from .project import Project, load_project

__all__ = [
    "BuildResult",
    "DataErrors",
    "NewsKGError",
    "Problem",
    "Project",
    "StoreError",
    "UsageError",
    "__version__",
    "build",
    "export",
    "load_project",
]
