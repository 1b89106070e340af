"""A Jinja environment that records, chunk by chunk, what each piece of output was made from.

Only `policygen explain` uses it; `build` and `batch` keep the plain environment of generator/render.py,
so this costs them nothing. The templates are the same files and give the same bytes: the compiled code
differs only by calls into the active `provenance.Recorder`:

- every attribute or item read (`p.kyc.vendor.name`, `map(attribute="name")`) goes through
  `Environment.getattr`/`getitem`, which tell the recorder what was read;
- `{% if %}` captures what its tests read and opens a scope over the branch it takes;
- a membership test that finds the id of a law that applies (`"gdpr" in p.law_ids`) records the law;
- `{% for %}` captures what its iterable read and opens a scope over its body;
- `{% set x = ... %}` binds what its value read to `x`, and each later read of `x` records it again;
- a macro's output buffer keeps what each of its parts read, so a macro that outputs several blocks
  gives each block its own record.

`Template.generate()` yields the output in chunks, and Jinja evaluates each expression and condition
right before it yields the output they produce or gate, so `Recorder.take()` between two chunks gives
what the next chunk depends on.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, nodes
from jinja2.compiler import CodeGenerator, Frame

from generator.provenance import PartsBuffer, active


class RecordingCodeGenerator(CodeGenerator):
    """Jinja's code generator, plus calls into the recorder around if, for and set."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        names: set[str] = set()
        for assign in node.find_all((nodes.Assign, nodes.AssignBlock)):
            for target in assign.target.find_all(nodes.Name) if not isinstance(assign.target, nodes.Name) else [assign.target]:
                names.add(target.name)
            if isinstance(assign.target, nodes.NSRef):
                names.add(assign.target.name)
        for nsref in node.find_all(nodes.NSRef):
            names.add(nsref.name)
        self._prov_names = names
        super().visit_Template(node, frame)

    def _prov_key(self, name: str) -> str:
        return f"{self.name}:{name}"

    def buffer(self, frame: Frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.prov_buffer()")

    def return_buffer_contents(self, frame: Frame, force_unescaped: bool = False) -> None:
        # Jinja's own code, with the returned output registered as a fragment made of the buffer's parts.
        buf = frame.buffer
        if not force_unescaped:
            if frame.eval_ctx.volatile:
                self.writeline("if context.eval_ctx.autoescape:")
                self.indent()
                self.writeline(f"return environment.prov_fragment(Markup(concat({buf})), {buf})")
                self.outdent()
                self.writeline("else:")
                self.indent()
                self.writeline(f"return environment.prov_fragment(concat({buf}), {buf})")
                self.outdent()
                return
            if frame.eval_ctx.autoescape:
                self.writeline(f"return environment.prov_fragment(Markup(concat({buf})), {buf})")
                return
        self.writeline(f"return environment.prov_fragment(concat({buf}), {buf})")

    def visit_If(self, node: nodes.If, frame: Frame) -> None:
        if_frame = frame.soft()
        self.writeline("environment.prov_if_open()")
        self.writeline("if environment.prov_if_test(", node)
        self.visit(node.test, if_frame)
        self.write("):")
        self.indent()
        self.writeline("environment.prov_if_enter()")
        self.blockvisit(node.body, if_frame)
        self.writeline("environment.prov_leave()")
        self.outdent()
        for elif_ in node.elif_:
            self.writeline("elif environment.prov_if_test(", elif_)
            self.visit(elif_.test, if_frame)
            self.write("):")
            self.indent()
            self.writeline("environment.prov_if_enter()")
            self.blockvisit(elif_.body, if_frame)
            self.writeline("environment.prov_leave()")
            self.outdent()
        # Always an else: it closes the capture of the last test even when no branch runs.
        self.writeline("else:")
        self.indent()
        self.writeline("environment.prov_if_enter()")
        if node.else_:
            self.blockvisit(node.else_, if_frame)
        self.writeline("environment.prov_leave()")
        self.outdent()

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        if node.recursive:
            super().visit_For(node, frame)
            return
        self._prov_iter = getattr(self, "_prov_iter", set())
        self._prov_iter.add(id(node.iter))
        self.writeline("environment.prov_open()")
        super().visit_For(node, frame)
        self.writeline("environment.prov_leave()")

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        if id(node) in getattr(self, "_prov_iter", ()):
            self.write("environment.prov_scope_iter(")
            result = super().visit(node, *args, **kwargs)
            self.write(")")
            return result
        return super().visit(node, *args, **kwargs)

    def _targets(self, target: nodes.Node) -> tuple[list[str], bool]:
        if isinstance(target, nodes.NSRef):
            return [self._prov_key(target.name)], True
        if isinstance(target, nodes.Name):
            return [self._prov_key(target.name)], False
        return [self._prov_key(n.name) for n in target.find_all(nodes.Name)], False

    def visit_Assign(self, node: nodes.Assign, frame: Frame) -> None:
        keys, merge = self._targets(node.target)
        self.writeline("environment.prov_open()")
        super().visit_Assign(node, frame)
        self.writeline(f"environment.prov_bind({keys!r}, {merge!r})")

    def visit_AssignBlock(self, node: nodes.AssignBlock, frame: Frame) -> None:
        keys, merge = self._targets(node.target)
        self.writeline("environment.prov_open()")
        super().visit_AssignBlock(node, frame)
        self.writeline(f"environment.prov_bind({keys!r}, {merge!r})")

    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:
        if len(node.ops) == 1 and node.ops[0].op in ("in", "notin"):
            self.write("environment.prov_in(")
            self.visit(node.expr, frame)
            self.write(", ")
            self.visit(node.ops[0].expr, frame)
            self.write(f", {node.ops[0].op == 'notin'!r})")
            return
        super().visit_Compare(node, frame)

    def visit_Name(self, node: nodes.Name, frame: Frame) -> None:
        if node.ctx == "load" and node.name in getattr(self, "_prov_names", ()):
            self.write(f"environment.prov_use({self._prov_key(node.name)!r}, ")
            super().visit_Name(node, frame)
            self.write(")")
            return
        super().visit_Name(node, frame)


class RecordingEnvironment(Environment):
    """An Environment whose templates report their reads to the active Recorder (if any)."""

    code_generator_class = RecordingCodeGenerator

    def getattr(self, obj: Any, attribute: str) -> Any:
        value = super().getattr(obj, attribute)
        recorder = active()
        if recorder is not None:
            recorder.saw(obj, attribute, value)
        return value

    def getitem(self, obj: Any, argument: Any) -> Any:
        value = super().getitem(obj, argument)
        recorder = active()
        if recorder is not None:
            recorder.saw(obj, argument, value)
        return value

    # Called from the compiled code (see RecordingCodeGenerator).
    def prov_buffer(self) -> list:
        recorder = active()
        return [] if recorder is None else PartsBuffer(recorder)

    def prov_fragment(self, value: Any, buffer: list) -> Any:
        recorder = active()
        return value if recorder is None else recorder.fragment(value, buffer)

    def prov_open(self) -> None:
        recorder = active()
        if recorder is not None:
            recorder.open()

    def prov_if_open(self) -> None:
        recorder = active()
        if recorder is not None:
            recorder.if_open()

    def prov_if_test(self, value: Any) -> Any:
        recorder = active()
        return value if recorder is None else recorder.if_test(value)

    def prov_if_enter(self) -> None:
        recorder = active()
        if recorder is not None:
            recorder.if_enter()

    def prov_leave(self) -> None:
        recorder = active()
        if recorder is not None:
            recorder.leave()

    def prov_scope_iter(self, iterable: Any) -> Any:
        recorder = active()
        return iterable if recorder is None else recorder.scope_iter(iterable)

    def prov_bind(self, names: list[str], merge: bool) -> None:
        recorder = active()
        if recorder is not None:
            recorder.bind(names, merge)

    def prov_in(self, item: Any, container: Any, negate: bool) -> bool:
        found = item in container
        if found:
            recorder = active()
            if recorder is not None:
                recorder.member(item)
        return not found if negate else found

    def prov_use(self, name: str, value: Any) -> Any:
        recorder = active()
        return value if recorder is None else recorder.use(name, value)
