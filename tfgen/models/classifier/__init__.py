from tfgen.models.classifier.classifier import Classifier, build_classifier

__all__ = ["Classifier", "build_classifier"]
