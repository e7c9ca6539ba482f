from tfgen.models.vaegan.vaegan import VAEGAN, build_vaegan

__all__ = ["VAEGAN", "build_vaegan"]
