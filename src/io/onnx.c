/* SPDX-License-Identifier: MIT */
/*
 * ONNX import and export of sequential models (include/nnbasics/onnx.h, docs/ONNX.md).
 *
 * Import decodes the ModelProto with the library's own wire reader (protobuf_wire_internal.h) into flat
 * arrays of borrowed slices (nothing is copied but the weights), checks the graph is a chain in topological
 * order, then walks the nodes with the operator table below and builds the model. The field numbers used are
 * those of ONNX's schema (onnx.proto): facts of the format.
 */
#define _POSIX_C_SOURCE 200809L

#include "nnbasics/onnx.h"

#if defined(NNB_WITH_ONNX)

#    include <math.h>
#    include <stdio.h>
#    include <string.h>

#    include "base/alloc_internal.h"
#    include "base/error_internal.h"
#    include "io/file_internal.h"
#    include "io/protobuf_wire_internal.h"
#    include "nnbasics/dense.h"
#    include "nnbasics/preprocess.h"
#    include "nnbasics/version.h"
#    include "train/model_internal.h"

/* Field numbers of the ONNX schema. */
enum {
    MODEL_IR_VERSION = 1,
    MODEL_PRODUCER_NAME = 2,
    MODEL_PRODUCER_VERSION = 3,
    MODEL_GRAPH = 7,
    MODEL_OPSET_IMPORT = 8,
    OPSET_DOMAIN = 1,
    OPSET_VERSION = 2,
    GRAPH_NODE = 1,
    GRAPH_NAME = 2,
    GRAPH_INITIALIZER = 5,
    GRAPH_INPUT = 11,
    GRAPH_OUTPUT = 12,
    NODE_INPUT = 1,
    NODE_OUTPUT = 2,
    NODE_NAME = 3,
    NODE_OP_TYPE = 4,
    NODE_ATTRIBUTE = 5,
    NODE_DOMAIN = 7,
    ATTR_NAME = 1,
    ATTR_F = 2,
    ATTR_I = 3,
    ATTR_S = 4,
    ATTR_T = 5,
    ATTR_INTS = 8,
    ATTR_TYPE = 20,
    TENSOR_DIMS = 1,
    TENSOR_DATA_TYPE = 2,
    TENSOR_FLOAT_DATA = 4,
    TENSOR_INT64_DATA = 7,
    TENSOR_NAME = 8,
    TENSOR_RAW_DATA = 9,
    TENSOR_EXTERNAL_DATA = 13,
    TENSOR_DATA_LOCATION = 14,
    VALUE_NAME = 1,
    VALUE_TYPE = 2,
    TYPE_TENSOR = 1,
    TYPE_TENSOR_ELEM_TYPE = 1,
    TYPE_TENSOR_SHAPE = 2,
    SHAPE_DIM = 1,
    DIM_VALUE = 1,
    DIM_PARAM = 2
};

/* AttributeProto.type and TensorProto.data_type values used here. */
enum { ATTR_TYPE_FLOAT = 1, ATTR_TYPE_INT = 2, ATTR_TYPE_INTS = 7, ONNX_FLOAT = 1, ONNX_INT64 = 7 };

#    define ONNX_MIN_OPSET 9
#    define ONNX_MAX_OPSET 17
#    define ONNX_MAX_IO 8   /* inputs or outputs of one node */
#    define ONNX_MAX_RANK 8 /* dimensions of a tensor or value */

static const char *const WHERE = "nnb_model_parse_onnx";

#    define FAIL(st, ...) nnb__failf((st), WHERE, __VA_ARGS__)
#    define CONTEXT(st, ...) nnb__fail_context((st), WHERE, __VA_ARGS__)

typedef nnb__pb_slice slice;

typedef struct onnx_node {
    slice name, op_type, domain;
    slice in[ONNX_MAX_IO];
    size_t n_in;
    slice out[ONNX_MAX_IO];
    size_t n_out;
    slice msg; /* the whole NodeProto, re-read for attributes */
} onnx_node;

typedef struct onnx_tensor {
    slice name;
    size_t rank;
    uint64_t dims[ONNX_MAX_RANK];
    uint64_t count;
    int64_t data_type;
    slice msg; /* the whole TensorProto, re-read for the values */
} onnx_tensor;

typedef struct onnx_value {
    slice name;
    int is_tensor;
    int64_t elem_type;
    int has_shape;
    size_t rank;
    uint64_t dims[ONNX_MAX_RANK]; /* 0: symbolic or unknown */
} onnx_value;

typedef struct onnx_graph {
    int64_t ir_version;
    int64_t opset; /* 0: no default-domain opset */
    slice producer, producer_version;
    int has_graph;
    onnx_node *nodes;
    size_t n_nodes;
    onnx_tensor *inits;
    size_t n_inits;
    onnx_value *inputs;
    size_t n_inputs;
    onnx_value *outputs;
    size_t n_outputs;
    onnx_tensor *consts; /* the values of Constant nodes, named by their outputs */
    size_t n_consts;
} onnx_graph;

static void graph_free(onnx_graph *g)
{
    nnb__free(g->nodes);
    nnb__free(g->inits);
    nnb__free(g->inputs);
    nnb__free(g->outputs);
    nnb__free(g->consts);
}

/* A slice as printable text for messages: at most 60 bytes, non-printable bytes as '?'. */
typedef struct text60 {
    char s[64];
} text60;

static text60 show(slice s)
{
    text60 t;
    size_t n = s.size < 60 ? s.size : 60;
    for (size_t i = 0; i < n; ++i) {
        const unsigned char c = s.data[i];
        t.s[i] = (c >= 32 && c < 127) ? (char)c : '?';
    }
    if (s.size > 60) {
        t.s[57] = t.s[58] = t.s[59] = '.';
    }
    t.s[n] = '\0';
    return t;
}

static nnb_status wire_is(const char *what, unsigned got, unsigned want)
{
    if (got == want) {
        return NNB_OK;
    }
    static const char *const names[6] = {"varint",      "fixed64",   "length-delimited",
                                         "group start", "group end", "fixed32"};
    return FAIL(NNB_ERR_FORMAT, "%s has wire type %s, expected %s", what, names[got], names[want]);
}

static nnb_status field_int(const nnb__pb_field *f, const char *what, int64_t *out)
{
    nnb_status st = wire_is(what, f->wire, NNB__PB_VARINT);
    if (st == NNB_OK) {
        *out = (int64_t)f->value;
    }
    return st;
}

static nnb_status field_string(const nnb__pb_field *f, const char *what, slice *out)
{
    nnb_status st = wire_is(what, f->wire, NNB__PB_LEN);
    if (st == NNB_OK) {
        *out = f->bytes;
    }
    return st;
}

static nnb_status field_sub(const nnb__pb_field *f, const char *what, nnb__pb_cursor *sub)
{
    nnb_status st = wire_is(what, f->wire, NNB__PB_LEN);
    return st == NNB_OK ? nnb__pb_field_message(f, sub) : st;
}

/*
 * Calls each(f, ctx) for every element of a repeated scalar field, packed (one length-delimited field of
 * values) or not (this one value): varints for want = NNB__PB_VARINT, fixed32 bit patterns for NNB__PB_FIXED32.
 */
static nnb_status each_scalar(const nnb__pb_field *f, unsigned want, const char *what,
                              nnb_status (*each)(uint64_t v, void *ctx), void *ctx)
{
    if (f->wire != NNB__PB_LEN) {
        nnb_status st = wire_is(what, f->wire, want);
        return st == NNB_OK ? each(f->value, ctx) : st;
    }
    nnb__pb_cursor packed;
    nnb_status st = nnb__pb_field_message(f, &packed);
    while (st == NNB_OK && nnb__pb_more(&packed)) {
        uint64_t v = 0;
        uint32_t u32 = 0;
        if (want == NNB__PB_VARINT) {
            st = nnb__pb_read_varint(&packed, &v);
        } else {
            st = nnb__pb_read_fixed32(&packed, &u32);
            v = u32;
        }
        if (st == NNB_OK) {
            st = each(v, ctx);
        }
    }
    return st;
}

/* ---- decoding ---- */

static nnb_status decode_node(nnb__pb_cursor c, size_t index, onnx_node *n)
{
    memset(n, 0, sizeof *n);
    n->msg.data = c.p;
    n->msg.size = (size_t)(c.end - c.p);
    nnb__pb_field f;
    nnb_status st;
    while ((st = nnb__pb_next_field(&c, &f)) == NNB_OK && f.number != 0) {
        slice s;
        switch (f.number) {
        case NODE_INPUT:
        case NODE_OUTPUT:
            st = field_string(&f, f.number == NODE_INPUT ? "NodeProto.input" : "NodeProto.output", &s);
            if (st == NNB_OK) {
                size_t *count = f.number == NODE_INPUT ? &n->n_in : &n->n_out;
                if (*count == ONNX_MAX_IO) {
                    return FAIL(NNB_ERR_UNSUPPORTED, "node %zu has more than %d %s", index, ONNX_MAX_IO,
                                f.number == NODE_INPUT ? "inputs" : "outputs");
                }
                (f.number == NODE_INPUT ? n->in : n->out)[(*count)++] = s;
            }
            break;
        case NODE_NAME: st = field_string(&f, "NodeProto.name", &n->name); break;
        case NODE_OP_TYPE: st = field_string(&f, "NodeProto.op_type", &n->op_type); break;
        case NODE_DOMAIN: st = field_string(&f, "NodeProto.domain", &n->domain); break;
        case NODE_ATTRIBUTE: st = field_string(&f, "NodeProto.attribute", &s); break;
        default: break;
        }
        if (st != NNB_OK) {
            break;
        }
    }
    if (st != NNB_OK) {
        return CONTEXT(st, "graph node %zu", index);
    }
    return NNB_OK;
}

/* Appends one of an initializer's dims (each_scalar callback). */
static nnb_status add_dim(uint64_t v, void *ctx)
{
    onnx_tensor *t = ctx;
    if (t->rank == ONNX_MAX_RANK) {
        return FAIL(NNB_ERR_UNSUPPORTED, "initializer '%s' has more than %d dimensions", show(t->name).s,
                    ONNX_MAX_RANK);
    }
    if ((int64_t)v < 0 || v > NNB_ONNX_MAX_DIM) {
        return FAIL(NNB_ERR_FORMAT, "initializer '%s': dimension %zu is %lld (limit %llu)", show(t->name).s, t->rank,
                    (long long)(int64_t)v, (unsigned long long)NNB_ONNX_MAX_DIM);
    }
    t->dims[t->rank++] = v;
    return NNB_OK;
}

static nnb_status decode_tensor(nnb__pb_cursor c, size_t index, onnx_tensor *t)
{
    memset(t, 0, sizeof *t);
    t->msg.data = c.p;
    t->msg.size = (size_t)(c.end - c.p);
    int external = 0;
    nnb__pb_field f;
    nnb_status st;
    while ((st = nnb__pb_next_field(&c, &f)) == NNB_OK && f.number != 0) {
        int64_t i64 = 0;
        switch (f.number) {
        case TENSOR_DIMS: st = each_scalar(&f, NNB__PB_VARINT, "TensorProto.dims", add_dim, t); break;
        case TENSOR_DATA_TYPE: st = field_int(&f, "TensorProto.data_type", &t->data_type); break;
        case TENSOR_NAME: st = field_string(&f, "TensorProto.name", &t->name); break;
        case TENSOR_DATA_LOCATION:
            st = field_int(&f, "TensorProto.data_location", &i64);
            external |= st == NNB_OK && i64 != 0;
            break;
        case TENSOR_EXTERNAL_DATA: external = 1; break;
        default: break;
        }
        if (st != NNB_OK) {
            break;
        }
    }
    if (st != NNB_OK) {
        return CONTEXT(st, "initializer %zu", index);
    }
    if (external) {
        return FAIL(NNB_ERR_UNSUPPORTED, "initializer %zu '%s' keeps its data in an external file", index,
                    show(t->name).s);
    }
    uint64_t count = 1;
    for (size_t i = 0; i < t->rank; ++i) {
        count *= t->dims[i]; /* each <= 2^24, checked below before it can wrap */
        if (count > NNB_ONNX_MAX_ELEMENTS) {
            return FAIL(NNB_ERR_FORMAT, "initializer %zu '%s' has more than %llu elements", index, show(t->name).s,
                        (unsigned long long)NNB_ONNX_MAX_ELEMENTS);
        }
    }
    t->count = count;
    return NNB_OK;
}

/* TensorShapeProto.Dimension: dim_value, or 0 when symbolic or absent. */
static nnb_status decode_dim(nnb__pb_cursor dim, onnx_value *v)
{
    if (v->rank == ONNX_MAX_RANK) {
        return FAIL(NNB_ERR_UNSUPPORTED, "more than %d dimensions", ONNX_MAX_RANK);
    }
    uint64_t value = 0;
    nnb__pb_field f;
    nnb_status st;
    while ((st = nnb__pb_next_field(&dim, &f)) == NNB_OK && f.number != 0) {
        if (f.number != DIM_VALUE) {
            continue;
        }
        int64_t d = 0;
        st = field_int(&f, "Dimension.dim_value", &d);
        if (st == NNB_OK && (d < 0 || (uint64_t)d > NNB_ONNX_MAX_DIM)) {
            st = FAIL(NNB_ERR_FORMAT, "dimension %zu is %lld (limit %llu)", v->rank, (long long)d,
                      (unsigned long long)NNB_ONNX_MAX_DIM);
        }
        if (st != NNB_OK) {
            return st;
        }
        value = (uint64_t)d;
    }
    if (st == NNB_OK) {
        v->dims[v->rank++] = value;
    }
    return st;
}

/* TypeProto.Tensor: elem_type and shape. */
static nnb_status decode_tensor_type(nnb__pb_cursor tensor, onnx_value *v)
{
    v->is_tensor = 1;
    nnb__pb_field f;
    nnb_status st;
    while ((st = nnb__pb_next_field(&tensor, &f)) == NNB_OK && f.number != 0) {
        if (f.number == TYPE_TENSOR_ELEM_TYPE) {
            st = field_int(&f, "TypeProto.Tensor.elem_type", &v->elem_type);
        } else if (f.number == TYPE_TENSOR_SHAPE) {
            nnb__pb_cursor shape;
            st = field_sub(&f, "TypeProto.Tensor.shape", &shape);
            v->has_shape = 1;
            v->rank = 0;
            nnb__pb_field d;
            while (st == NNB_OK && (st = nnb__pb_next_field(&shape, &d)) == NNB_OK && d.number != 0) {
                nnb__pb_cursor dim;
                if (d.number == SHAPE_DIM) {
                    st = field_sub(&d, "TensorShapeProto.dim", &dim);
                    if (st == NNB_OK) {
                        st = decode_dim(dim, v);
                    }
                }
            }
        }
        if (st != NNB_OK) {
            break;
        }
    }
    return st;
}

static nnb_status decode_value(nnb__pb_cursor c, const char *what, size_t index, onnx_value *v)
{
    memset(v, 0, sizeof *v);
    nnb__pb_field f;
    nnb_status st;
    while ((st = nnb__pb_next_field(&c, &f)) == NNB_OK && f.number != 0) {
        if (f.number == VALUE_NAME) {
            st = field_string(&f, "ValueInfoProto.name", &v->name);
        } else if (f.number == VALUE_TYPE) {
            nnb__pb_cursor type;
            st = field_sub(&f, "ValueInfoProto.type", &type);
            nnb__pb_field t;
            while (st == NNB_OK && (st = nnb__pb_next_field(&type, &t)) == NNB_OK && t.number != 0) {
                nnb__pb_cursor tensor;
                if (t.number == TYPE_TENSOR) {
                    st = field_sub(&t, "TypeProto.tensor_type", &tensor);
                    if (st == NNB_OK) {
                        st = decode_tensor_type(tensor, v);
                    }
                }
            }
        }
        if (st != NNB_OK) {
            break;
        }
    }
    if (st != NNB_OK) {
        return CONTEXT(st, "graph %s %zu", what, index);
    }
    return NNB_OK;
}

/* Decodes the GraphProto in two passes: count, allocate, fill. */
static nnb_status decode_graph(nnb__pb_cursor c, onnx_graph *g)
{
    static const char *const what[4] = {"GraphProto.node", "GraphProto.initializer", "GraphProto.input",
                                        "GraphProto.output"};
    size_t counts[4] = {0, 0, 0, 0}; /* nodes, initializers, inputs, outputs */
    nnb__pb_cursor scan = c;
    nnb__pb_field f;
    nnb_status st;
    while ((st = nnb__pb_next_field(&scan, &f)) == NNB_OK && f.number != 0) {
        const int k = f.number == GRAPH_NODE          ? 0
                      : f.number == GRAPH_INITIALIZER ? 1
                      : f.number == GRAPH_INPUT       ? 2
                      : f.number == GRAPH_OUTPUT      ? 3
                                                      : -1;
        if (k >= 0) {
            st = wire_is(what[k], f.wire, NNB__PB_LEN);
            if (st == NNB_OK && ++counts[k] > NNB_ONNX_MAX_NODES) {
                st = FAIL(NNB_ERR_UNSUPPORTED, "the graph has more than %u %s", NNB_ONNX_MAX_NODES,
                          what[k] + strlen("GraphProto."));
            }
        }
        if (st != NNB_OK) {
            break;
        }
    }
    if (st != NNB_OK) {
        return CONTEXT(st, "graph");
    }
    g->nodes = counts[0] ? nnb__calloc(counts[0], sizeof *g->nodes) : NULL;
    g->inits = counts[1] ? nnb__calloc(counts[1], sizeof *g->inits) : NULL;
    g->inputs = counts[2] ? nnb__calloc(counts[2], sizeof *g->inputs) : NULL;
    g->outputs = counts[3] ? nnb__calloc(counts[3], sizeof *g->outputs) : NULL;
    if ((counts[0] && !g->nodes) || (counts[1] && !g->inits) || (counts[2] && !g->inputs) ||
        (counts[3] && !g->outputs)) {
        return FAIL(NNB_ERR_NOMEM, "out of memory for the graph's tables");
    }
    while ((st = nnb__pb_next_field(&c, &f)) == NNB_OK && f.number != 0) {
        nnb__pb_cursor sub;
        if (f.number == GRAPH_NODE) {
            st = nnb__pb_field_message(&f, &sub);
            if (st == NNB_OK) {
                st = decode_node(sub, g->n_nodes, &g->nodes[g->n_nodes]);
                g->n_nodes++;
            }
        } else if (f.number == GRAPH_INITIALIZER) {
            st = nnb__pb_field_message(&f, &sub);
            if (st == NNB_OK) {
                st = decode_tensor(sub, g->n_inits, &g->inits[g->n_inits]);
                g->n_inits++;
            }
        } else if (f.number == GRAPH_INPUT || f.number == GRAPH_OUTPUT) {
            const int is_in = f.number == GRAPH_INPUT;
            st = nnb__pb_field_message(&f, &sub);
            if (st == NNB_OK) {
                size_t *count = is_in ? &g->n_inputs : &g->n_outputs;
                st = decode_value(sub, is_in ? "input" : "output", *count, &(is_in ? g->inputs : g->outputs)[*count]);
                ++*count;
            }
        }
        if (st != NNB_OK) {
            break;
        }
    }
    return st;
}

/* OperatorSetIdProto: the default domain's version becomes g->opset. */
static nnb_status decode_opset(nnb__pb_cursor op, onnx_graph *g)
{
    slice domain = {NULL, 0};
    int64_t version = 0;
    nnb__pb_field f;
    nnb_status st;
    while ((st = nnb__pb_next_field(&op, &f)) == NNB_OK && f.number != 0) {
        if (f.number == OPSET_DOMAIN) {
            st = field_string(&f, "OperatorSetIdProto.domain", &domain);
        } else if (f.number == OPSET_VERSION) {
            st = field_int(&f, "OperatorSetIdProto.version", &version);
        }
        if (st != NNB_OK) {
            return st;
        }
    }
    if (st == NNB_OK && (domain.size == 0 || nnb__pb_slice_is(domain, "ai.onnx"))) {
        g->opset = version > 0 ? version : -1;
    }
    return st;
}

static nnb_status decode_model(const void *data, size_t size, onnx_graph *g)
{
    memset(g, 0, sizeof *g);
    nnb__pb_cursor c = nnb__pb_cursor_make(data, size);
    nnb__pb_cursor graph = c;
    nnb__pb_field f;
    nnb_status st;
    while ((st = nnb__pb_next_field(&c, &f)) == NNB_OK && f.number != 0) {
        nnb__pb_cursor op;
        switch (f.number) {
        case MODEL_IR_VERSION: st = field_int(&f, "ModelProto.ir_version", &g->ir_version); break;
        case MODEL_PRODUCER_NAME: st = field_string(&f, "ModelProto.producer_name", &g->producer); break;
        case MODEL_PRODUCER_VERSION: st = field_string(&f, "ModelProto.producer_version", &g->producer_version); break;
        case MODEL_GRAPH:
            st = field_sub(&f, "ModelProto.graph", &graph);
            g->has_graph = st == NNB_OK;
            break;
        case MODEL_OPSET_IMPORT:
            st = field_sub(&f, "ModelProto.opset_import", &op);
            if (st == NNB_OK) {
                st = decode_opset(op, g);
            }
            break;
        default: break;
        }
        if (st != NNB_OK) {
            break;
        }
    }
    if (st != NNB_OK) {
        return CONTEXT(st, "model");
    }
    if (!g->has_graph) {
        return FAIL(NNB_ERR_FORMAT, "not an ONNX model: no graph (ModelProto field 7)");
    }
    return decode_graph(graph, g);
}
/* ---- lookups ---- */

static const onnx_tensor *find_init(const onnx_graph *g, slice name)
{
    for (size_t i = 0; i < g->n_inits; ++i) {
        if (nnb__pb_slice_eq(g->inits[i].name, name)) {
            return &g->inits[i];
        }
    }
    return NULL;
}

/* An initializer or the value of a Constant node. */
static const onnx_tensor *find_const(const onnx_graph *g, slice name)
{
    const onnx_tensor *t = find_init(g, name);
    for (size_t i = 0; t == NULL && i < g->n_consts; ++i) {
        if (nnb__pb_slice_eq(g->consts[i].name, name)) {
            t = &g->consts[i];
        }
    }
    return t;
}

/* Index of the node producing name, or SIZE_MAX. */
static size_t producer_of(const onnx_graph *g, slice name)
{
    for (size_t i = 0; i < g->n_nodes; ++i) {
        for (size_t k = 0; k < g->nodes[i].n_out; ++k) {
            if (nnb__pb_slice_eq(g->nodes[i].out[k], name)) {
                return i;
            }
        }
    }
    return SIZE_MAX;
}

/* The graph's data input: the one input that is not an initializer. */
static nnb_status data_input(const onnx_graph *g, const onnx_value **out)
{
    const onnx_value *found = NULL;
    for (size_t i = 0; i < g->n_inputs; ++i) {
        if (find_init(g, g->inputs[i].name) != NULL) {
            continue; /* older exporters list the initializers as inputs too */
        }
        if (found != NULL) {
            return FAIL(NNB_ERR_UNSUPPORTED,
                        "the graph has more than one input ('%s' and '%s'); a sequential "
                        "model takes one",
                        show(found->name).s, show(g->inputs[i].name).s);
        }
        found = &g->inputs[i];
    }
    if (found == NULL) {
        return FAIL(NNB_ERR_FORMAT, "the graph has no input (other than initializers)");
    }
    *out = found;
    return NNB_OK;
}

/* A node's attribute, read from its NodeProto. */
#    define ONNX_MAX_INTS 8 /* values of an INTS attribute (kernel_shape, strides, pads of a 2-D operator) */
typedef struct onnx_attr {
    int found;
    int64_t type;
    int has_f, has_i, has_s, has_ints, has_t;
    float f;
    int64_t i;
    slice s;
    nnb__pb_field t; /* a TensorProto (has_t) */
    size_t n_ints;
    int64_t ints[ONNX_MAX_INTS];
} onnx_attr;

/* Appends one value of AttributeProto.ints (each_scalar callback). */
static nnb_status add_attr_int(uint64_t v, void *ctx)
{
    onnx_attr *a = ctx;
    if (a->n_ints == ONNX_MAX_INTS) {
        return FAIL(NNB_ERR_UNSUPPORTED, "an attribute has more than %d integers", ONNX_MAX_INTS);
    }
    a->ints[a->n_ints++] = (int64_t)v;
    return NNB_OK;
}

/* Decodes one AttributeProto into *a, its name into *name. */
static nnb_status decode_attr(nnb__pb_cursor ac, onnx_attr *a, slice *name)
{
    memset(a, 0, sizeof *a);
    nnb__pb_field f;
    nnb_status st;
    while ((st = nnb__pb_next_field(&ac, &f)) == NNB_OK && f.number != 0) {
        switch (f.number) {
        case ATTR_NAME: st = field_string(&f, "AttributeProto.name", name); break;
        case ATTR_TYPE: st = field_int(&f, "AttributeProto.type", &a->type); break;
        case ATTR_F:
            st = wire_is("AttributeProto.f", f.wire, NNB__PB_FIXED32);
            a->f = nnb__pb_float_from_bits((uint32_t)f.value);
            a->has_f = 1;
            break;
        case ATTR_I:
            st = field_int(&f, "AttributeProto.i", &a->i);
            a->has_i = 1;
            break;
        case ATTR_S:
            st = field_string(&f, "AttributeProto.s", &a->s);
            a->has_s = 1;
            break;
        case ATTR_T:
            st = wire_is("AttributeProto.t", f.wire, NNB__PB_LEN);
            a->t = f;
            a->has_t = 1;
            break;
        case ATTR_INTS:
            st = each_scalar(&f, NNB__PB_VARINT, "AttributeProto.ints", add_attr_int, a);
            a->has_ints = 1;
            break;
        default: break;
        }
        if (st != NNB_OK) {
            break;
        }
    }
    return st;
}

static nnb_status find_attr(const onnx_node *n, const char *name, onnx_attr *a)
{
    memset(a, 0, sizeof *a);
    nnb__pb_cursor c = nnb__pb_cursor_make(n->msg.data, n->msg.size);
    c.depth = 3;
    nnb__pb_field f;
    nnb_status st;
    while ((st = nnb__pb_next_field(&c, &f)) == NNB_OK && f.number != 0) {
        if (f.number != NODE_ATTRIBUTE) {
            continue;
        }
        nnb__pb_cursor ac;
        onnx_attr cur;
        slice aname = {NULL, 0};
        st = nnb__pb_field_message(&f, &ac);
        if (st == NNB_OK) {
            st = decode_attr(ac, &cur, &aname);
        }
        if (st != NNB_OK) {
            break;
        }
        if (nnb__pb_slice_is(aname, name)) {
            *a = cur;
            a->found = 1;
        }
    }
    if (st != NNB_OK) {
        /* Every caller names the node again; this names the attribute for the callers that don't. */
        return CONTEXT(st, "node '%s' (%s), looking for attribute %s", show(n->name).s, show(n->op_type).s, name);
    }
    return NNB_OK;
}
/* Decodes the value of every Constant node (attribute value, a TensorProto) into g->consts. */
static nnb_status decode_constants(onnx_graph *g)
{
    size_t count = 0;
    for (size_t i = 0; i < g->n_nodes; ++i) {
        count += nnb__pb_slice_is(g->nodes[i].op_type, "Constant") ? 1u : 0u;
    }
    if (count == 0) {
        return NNB_OK;
    }
    g->consts = nnb__calloc(count, sizeof *g->consts);
    if (g->consts == NULL) {
        return FAIL(NNB_ERR_NOMEM, "out of memory for %zu constants", count);
    }
    for (size_t i = 0; i < g->n_nodes; ++i) {
        const onnx_node *n = &g->nodes[i];
        if (!nnb__pb_slice_is(n->op_type, "Constant")) {
            continue;
        }
        onnx_attr v;
        nnb__pb_cursor c;
        nnb_status st = find_attr(n, "value", &v);
        if (st == NNB_OK && (!v.found || !v.has_t || n->n_out != 1 || n->n_in != 0)) {
            st = FAIL(NNB_ERR_UNSUPPORTED,
                      "node %zu '%s' (Constant): only a constant given as a tensor (attribute value), no inputs, one "
                      "output is supported",
                      i, show(n->name).s);
        }
        if (st == NNB_OK) {
            st = nnb__pb_field_message(&v.t, &c);
        }
        onnx_tensor *t = &g->consts[g->n_consts];
        if (st == NNB_OK) {
            st = decode_tensor(c, i, t);
        }
        if (st != NNB_OK) {
            return CONTEXT(st, "node %zu '%s' (Constant)", i, show(n->name).s);
        }
        t->name = n->out[0];
        g->n_consts++;
    }
    return NNB_OK;
}

/* ---- building ---- */

typedef enum op_action {
    OP_GEMM,       /* dense layer */
    OP_MATMUL,     /* dense layer without bias */
    OP_ADD,        /* bias of the dense layer just before */
    OP_ACTIVATION, /* a layer without parameters, added by `add` */
    OP_SOFTMAX,    /* softmax (axis checked) */
    OP_FLATTEN,    /* identity on 2-D input (axis checked) */
    OP_PASS,       /* identity at inference */
    OP_SUB,        /* leading scaling: center */
    OP_DIV,        /* leading scaling: scale */
    OP_ALPHA,      /* a layer with one float attribute `alpha`, added by `add_alpha` */
    OP_CONV,       /* 2-D convolution */
    OP_MAXPOOL,    /* max pooling */
    OP_AVGPOOL,    /* average pooling */
    OP_GLOBALPOOL, /* global average pooling */
    OP_BATCHNORM,  /* batch normalisation (inference) */
    OP_RESHAPE,    /* a flatten written as Reshape */
    OP_CONSTANT,   /* a value for later nodes (decode_constants), not in the chain */
    OP_PAD,        /* zero padding by nothing (what PyTorch writes before AveragePool) */
    OP_REFUSED,    /* a layer the library has that the import's opset range cannot hold */
    OP_NOT_YET     /* a layer this build does not have */
} op_action;

/*
 * The operator table. A layer kind added to the library becomes one row here (OP_ACTIVATION with its
 * nnb_model_add_* function) and one in export_ops below.
 */
static const struct onnx_op {
    const char *op_type;
    op_action action;
    nnb_status (*add)(nnb_model *);
    nnb_status (*add_alpha)(nnb_model *, float); /* OP_ALPHA */
    float alpha_default;                         /* OP_ALPHA: the operator's default alpha */
} import_ops[] = {
    {"Gemm", OP_GEMM, NULL, NULL, 0.0f},
    {"MatMul", OP_MATMUL, NULL, NULL, 0.0f},
    {"Add", OP_ADD, NULL, NULL, 0.0f},
    {"Relu", OP_ACTIVATION, nnb_model_add_relu, NULL, 0.0f},
    {"Sigmoid", OP_ACTIVATION, nnb_model_add_sigmoid, NULL, 0.0f},
    {"Softmax", OP_SOFTMAX, nnb_model_add_softmax, NULL, 0.0f},
    {"Flatten", OP_FLATTEN, NULL, NULL, 0.0f},
    {"Identity", OP_PASS, NULL, NULL, 0.0f},
    {"Dropout", OP_PASS, NULL, NULL, 0.0f},
    {"Sub", OP_SUB, NULL, NULL, 0.0f},
    {"Div", OP_DIV, NULL, NULL, 0.0f},
    {"Tanh", OP_ACTIVATION, nnb_model_add_tanh, NULL, 0.0f},
    {"Softplus", OP_ACTIVATION, nnb_model_add_softplus, NULL, 0.0f},
    {"LeakyRelu", OP_ALPHA, NULL, nnb_model_add_leaky_relu, 0.01f},
    {"Elu", OP_ALPHA, NULL, nnb_model_add_elu, 1.0f},
    {"Gelu", OP_REFUSED, NULL, NULL, 0.0f},
    {"Conv", OP_CONV, NULL, NULL, 0.0f},
    {"MaxPool", OP_MAXPOOL, NULL, NULL, 0.0f},
    {"AveragePool", OP_AVGPOOL, NULL, NULL, 0.0f},
    {"GlobalAveragePool", OP_GLOBALPOOL, nnb_model_add_global_avgpool, NULL, 0.0f},
    {"BatchNormalization", OP_BATCHNORM, NULL, NULL, 0.0f},
    {"Reshape", OP_RESHAPE, NULL, NULL, 0.0f},
    {"Constant", OP_CONSTANT, NULL, NULL, 0.0f},
    {"Pad", OP_PAD, NULL, NULL, 0.0f},
};

#    define SUPPORTED_LIST                                                                                             \
        "Gemm, MatMul, Add (a bias), Relu, Sigmoid, Tanh, LeakyRelu, Elu, Softplus, Softmax, Flatten, Identity, "      \
        "Dropout, Sub/Div (scaling), Conv, MaxPool, AveragePool, GlobalAveragePool, BatchNormalization, Reshape "      \
        "(a flatten)"

typedef struct build_state {
    const onnx_graph *g;
    nnb_model *m;
    slice current; /* the value the chain has reached */
    size_t width;  /* its feature count (0: not known yet) */
    int last_was_dense;
    int seen_layer;    /* a dense or convolution layer has been added */
    int image;         /* the current value is an N x C x H x W image (shape below), not [batch, width] */
    size_t shape[3];   /* its C, H, W */
    float *pre_center; /* leading Sub/Div, input width values each */
    float *pre_scale;
} build_state;

/* "node 3 'name' (Gemm)" for messages. */
typedef struct node_label {
    char s[160];
} node_label;

static node_label label(const onnx_node *n, size_t i)
{
    node_label l;
    (void)snprintf(l.s, sizeof l.s, "node %zu '%s' (%s)", i, show(n->name).s, show(n->op_type).s);
    return l;
}

/* Where tensor_values puts an initializer's elements: floats or int64s, count of them. */
typedef struct value_sink {
    float *f;   /* FLOAT tensors */
    int64_t *i; /* INT64 tensors */
    uint64_t count, got;
    const onnx_tensor *t;
    const char *node;
} value_sink;

/* Stores one element of float_data (a fixed32 bit pattern) or int64_data (each_scalar callback). */
static nnb_status sink_value(uint64_t v, void *ctx)
{
    value_sink *s = ctx;
    if (s->got >= s->count) {
        return FAIL(NNB_ERR_FORMAT, "%s: initializer '%s': more values than its %llu elements", s->node,
                    show(s->t->name).s, (unsigned long long)s->count);
    }
    if (s->f != NULL) {
        s->f[s->got++] = nnb__pb_float_from_bits((uint32_t)v);
    } else {
        s->i[s->got++] = (int64_t)v;
    }
    return NNB_OK;
}

/*
 * Reads an initializer's elements: FLOAT (raw_data or float_data) into fdst, or INT64 (raw_data or int64_data)
 * into idst; the other pointer is NULL.
 */
static nnb_status tensor_values(const onnx_tensor *t, float *fdst, int64_t *idst, const char *node)
{
    const int64_t want = fdst != NULL ? ONNX_FLOAT : ONNX_INT64;
    if (t->data_type != want) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: initializer '%s' has data type %lld; only %s is supported here", node,
                    show(t->name).s, (long long)t->data_type, want == ONNX_FLOAT ? "FLOAT (1)" : "INT64 (7)");
    }
    const size_t width = want == ONNX_FLOAT ? 4 : 8;
    const uint32_t typed_field = want == ONNX_FLOAT ? TENSOR_FLOAT_DATA : TENSOR_INT64_DATA;
    value_sink sink = {fdst, idst, t->count, 0, t, node};
    nnb__pb_cursor c = nnb__pb_cursor_make(t->msg.data, t->msg.size);
    c.depth = 3;
    int raw = 0;
    nnb__pb_field f;
    nnb_status st;
    while ((st = nnb__pb_next_field(&c, &f)) == NNB_OK && f.number != 0) {
        if (f.number == TENSOR_RAW_DATA) {
            slice s;
            st = field_string(&f, "TensorProto.raw_data", &s);
            if (st == NNB_OK && (raw || sink.got != 0 || s.size / width != t->count || s.size % width != 0)) {
                st = FAIL(NNB_ERR_FORMAT, "%s: initializer '%s': raw_data holds %zu bytes, expected %llu values", node,
                          show(t->name).s, s.size, (unsigned long long)t->count);
            }
            for (size_t i = 0; st == NNB_OK && i < t->count; ++i) {
                uint64_t v = 0;
                for (size_t k = 0; k < width; ++k) {
                    v |= (uint64_t)s.data[width * i + k] << (8u * k);
                }
                if (fdst != NULL) {
                    fdst[i] = nnb__pb_float_from_bits((uint32_t)v);
                } else {
                    idst[i] = (int64_t)v;
                }
            }
            raw = 1;
        } else if (f.number == typed_field) {
            st = raw ? FAIL(NNB_ERR_FORMAT, "%s: initializer '%s': more values than its %llu elements", node,
                            show(t->name).s, (unsigned long long)t->count)
                     : each_scalar(&f, want == ONNX_FLOAT ? NNB__PB_FIXED32 : NNB__PB_VARINT,
                                   want == ONNX_FLOAT ? "TensorProto.float_data" : "TensorProto.int64_data", sink_value,
                                   &sink);
        }
        if (st != NNB_OK) {
            break;
        }
    }
    if (st == NNB_OK && !raw && sink.got != t->count) {
        st = FAIL(NNB_ERR_FORMAT, "%s: initializer '%s' holds %llu values, its shape %llu", node, show(t->name).s,
                  (unsigned long long)sink.got, (unsigned long long)t->count);
    }
    for (uint64_t i = 0; st == NNB_OK && fdst != NULL && i < t->count; ++i) {
        if (!isfinite(fdst[i])) {
            st = FAIL(NNB_ERR_NONFINITE, "%s: initializer '%s' element %llu is %s", node, show(t->name).s,
                      (unsigned long long)i, isnan(fdst[i]) ? "NaN" : "infinite");
        }
    }
    return st;
}

/* Reads an initializer's count floats (raw_data or float_data) into dst. */
static nnb_status tensor_floats(const onnx_tensor *t, float *dst, const char *node)
{
    return tensor_values(t, dst, NULL, node);
}

/* The initializer named by input k of node i (which must exist and be a constant). */
static nnb_status node_const(const build_state *b, size_t i, size_t k, const onnx_tensor **out)
{
    const onnx_node *n = &b->g->nodes[i];
    if (k >= n->n_in || n->in[k].size == 0) {
        return FAIL(NNB_ERR_FORMAT, "%s: input %zu is missing", label(n, i).s, k);
    }
    const onnx_tensor *t = find_const(b->g, n->in[k]);
    if (t == NULL) {
        const size_t p = producer_of(b->g, n->in[k]);
        if (p != SIZE_MAX) {
            return FAIL(NNB_ERR_UNSUPPORTED,
                        "%s: input %zu '%s' is computed by node %zu; only a constant "
                        "(initializer) is supported there",
                        label(n, i).s, k, show(n->in[k]).s, p);
        }
        return FAIL(NNB_ERR_FORMAT,
                    "%s: input %zu '%s' is no initializer, graph input or node output (a missing "
                    "initializer)",
                    label(n, i).s, k, show(n->in[k]).s);
    }
    *out = t;
    return NNB_OK;
}

/* Checks that the node's data input is the chain's current value, naming the reason otherwise. */
static nnb_status check_chain_input(const build_state *b, size_t i, slice in)
{
    const onnx_node *n = &b->g->nodes[i];
    if (nnb__pb_slice_eq(in, b->current)) {
        return NNB_OK;
    }
    const size_t p = producer_of(b->g, in);
    if (p == i) {
        return FAIL(NNB_ERR_FORMAT, "%s consumes its own output '%s' (a cycle)", label(n, i).s, show(in).s);
    }
    if (p != SIZE_MAX && p > i) {
        return FAIL(NNB_ERR_FORMAT,
                    "%s consumes '%s', which node %zu computes later: the nodes are not in "
                    "topological order (or form a cycle)",
                    label(n, i).s, show(in).s, p);
    }
    if (p != SIZE_MAX) {
        return FAIL(NNB_ERR_UNSUPPORTED,
                    "%s consumes '%s' of node %zu, not the output of the node before it: "
                    "the graph is not a chain",
                    label(n, i).s, show(in).s, p);
    }
    if (find_const(b->g, in) != NULL) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: its data input '%s' is a constant, not the chain's value '%s'",
                    label(n, i).s, show(in).s, show(b->current).s);
    }
    return FAIL(NNB_ERR_FORMAT, "%s consumes '%s', which no node, input or initializer defines", label(n, i).s,
                show(in).s);
}

static float *alloc_floats(uint64_t count, nnb_status *st)
{
    float *p = nnb__malloc((size_t)(count ? count : 1) * sizeof(float));
    *st = p != NULL ? NNB_OK : FAIL(NNB_ERR_NOMEM, "out of memory for %llu floats", (unsigned long long)count);
    return p;
}

static nnb_status check_width(build_state *b, size_t i, size_t in)
{
    if (b->width != 0 && b->width != in) {
        return FAIL(NNB_ERR_FORMAT, "%s takes %zu features, but its input has %zu", label(&b->g->nodes[i], i).s, in,
                    b->width);
    }
    return NNB_OK;
}

static nnb_status add_dense(build_state *b, size_t i, const float *w, size_t in, size_t out, int transposed,
                            float alpha)
{
    if (b->image) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: its input is an N x C x H x W image; a Flatten must come first",
                    label(&b->g->nodes[i], i).s);
    }
    nnb_status st = check_width(b, i, in);
    if (st != NNB_OK) {
        return st;
    }
    st = nnb__model_add_dense_weights(b->m, in, out, NNB_DENSE_DEFAULT_INIT_SCALE, NULL, 0);
    if (st != NNB_OK) {
        return CONTEXT(st, "%s", label(&b->g->nodes[i], i).s);
    }
    nnb_dense *d = b->m->layers[b->m->n_layers - 1].dense;
    float *dst = nnb_tensor_data(nnb_dense_weights_mut(d));
    for (size_t r = 0; r < in; ++r) {
        for (size_t c = 0; c < out; ++c) {
            const float v = transposed ? w[c * in + r] : w[r * out + c];
            dst[r * out + c] = alpha == 1.0f ? v : alpha * v;
            if (!isfinite(dst[r * out + c])) {
                /* The layer is the model's last: the caller destroys the model, so nothing is left behind. */
                return FAIL(NNB_ERR_NONFINITE, "%s: alpha (%g) times weight [%zu, %zu] (%g) is beyond float32",
                            label(&b->g->nodes[i], i).s, (double)alpha, r, c, (double)v);
            }
        }
    }
    b->width = out;
    b->last_was_dense = 1;
    b->seen_layer = 1;
    return NNB_OK;
}

/* Adds scale * C (broadcast as a bias: a scalar, [1], [out] or [1, out]) to the last dense layer's biases. */
static nnb_status add_bias(build_state *b, size_t i, const onnx_tensor *t, float scale)
{
    const onnx_node *n = &b->g->nodes[i];
    const size_t out = b->width;
    int ok = 0;
    if (t->rank == 0 || (t->rank == 1 && t->dims[0] == 1) || (t->rank == 2 && t->dims[0] == 1 && t->dims[1] == 1)) {
        ok = 1;
    } else if ((t->rank == 1 && t->dims[0] == out) || (t->rank == 2 && t->dims[0] == 1 && t->dims[1] == out)) {
        ok = 1;
    }
    if (!ok) {
        char dims[64] = "";
        for (size_t k = 0, at = 0; k < t->rank && at < sizeof dims - 24; ++k) {
            at +=
                (size_t)snprintf(dims + at, sizeof dims - at, "%s%llu", k ? ", " : "", (unsigned long long)t->dims[k]);
        }
        return FAIL(NNB_ERR_FORMAT,
                    "%s: bias '%s' has shape [%s]; a bias of %zu outputs must be [%zu], [1, %zu] or "
                    "a scalar",
                    label(n, i).s, show(t->name).s, dims, out, out, out);
    }
    nnb_status st;
    float *v = alloc_floats(t->count, &st);
    if (st != NNB_OK) {
        return st;
    }
    st = tensor_floats(t, v, label(n, i).s);
    if (st == NNB_OK) {
        float *bias = nnb_tensor_data(nnb_dense_biases_mut(b->m->layers[b->m->n_layers - 1].dense));
        for (size_t k = 0; k < out; ++k) {
            const float c = v[t->count == 1 ? 0 : k];
            const float sum = bias[k] + (scale == 1.0f ? c : scale * c);
            if (!isfinite(sum)) {
                st = FAIL(NNB_ERR_NONFINITE,
                          "%s: bias %zu (beta %g times '%s', plus any earlier bias) is beyond float32", label(n, i).s,
                          k, (double)scale, show(t->name).s);
                break;
            }
            bias[k] = sum;
        }
    }
    nnb__free(v);
    return st;
}

static nnb_status do_gemm(build_state *b, size_t i, int matmul)
{
    const onnx_node *n = &b->g->nodes[i];
    onnx_attr ta, tb, al, be;
    nnb_status st = NNB_OK;
    if (!matmul) {
        st = find_attr(n, "transA", &ta);
        if (st == NNB_OK) {
            st = find_attr(n, "transB", &tb);
        }
        if (st == NNB_OK) {
            st = find_attr(n, "alpha", &al);
        }
        if (st == NNB_OK) {
            st = find_attr(n, "beta", &be);
        }
        if (st != NNB_OK) {
            return CONTEXT(st, "%s", label(n, i).s);
        }
        if (ta.found && ta.i != 0) {
            return FAIL(NNB_ERR_UNSUPPORTED, "%s: transA = %lld; only 0 is supported", label(n, i).s, (long long)ta.i);
        }
        if (tb.found && tb.i != 0 && tb.i != 1) {
            return FAIL(NNB_ERR_FORMAT, "%s: transB = %lld (must be 0 or 1)", label(n, i).s, (long long)tb.i);
        }
        if ((al.found && !(al.has_f && isfinite(al.f))) || (be.found && !(be.has_f && isfinite(be.f)))) {
            return FAIL(NNB_ERR_FORMAT, "%s: alpha or beta is not a finite float", label(n, i).s);
        }
    } else {
        memset(&tb, 0, sizeof tb);
        memset(&al, 0, sizeof al);
        memset(&be, 0, sizeof be);
    }
    if (n->n_in < 2 || n->n_in > (matmul ? 2u : 3u)) {
        return FAIL(NNB_ERR_FORMAT, "%s has %zu inputs (expected %s)", label(n, i).s, n->n_in, matmul ? "2" : "2 or 3");
    }
    st = check_chain_input(b, i, n->in[0]);
    const onnx_tensor *w = NULL;
    if (st == NNB_OK) {
        st = node_const(b, i, 1, &w);
    }
    if (st != NNB_OK) {
        return st;
    }
    const int transposed = tb.found && tb.i == 1;
    if (w->rank != 2 || w->dims[0] == 0 || w->dims[1] == 0) {
        return FAIL(NNB_ERR_FORMAT, "%s: weight '%s' must be a non-empty matrix (rank %zu)", label(n, i).s,
                    show(w->name).s, w->rank);
    }
    const size_t in = (size_t)(transposed ? w->dims[1] : w->dims[0]);
    const size_t out = (size_t)(transposed ? w->dims[0] : w->dims[1]);
    float *v = alloc_floats(w->count, &st);
    if (st != NNB_OK) {
        return st;
    }
    st = tensor_floats(w, v, label(n, i).s);
    if (st == NNB_OK) {
        st = add_dense(b, i, v, in, out, transposed, al.found ? al.f : 1.0f);
    }
    nnb__free(v);
    if (st == NNB_OK && !matmul && n->n_in == 3 && n->in[2].size != 0) {
        const onnx_tensor *c = NULL;
        st = node_const(b, i, 2, &c);
        if (st == NNB_OK) {
            st = add_bias(b, i, c, be.found ? be.f : 1.0f);
        }
    }
    return st;
}

static nnb_status do_add(build_state *b, size_t i)
{
    const onnx_node *n = &b->g->nodes[i];
    if (n->n_in != 2) {
        return FAIL(NNB_ERR_FORMAT, "%s has %zu inputs (expected 2)", label(n, i).s, n->n_in);
    }
    const size_t data = nnb__pb_slice_eq(n->in[1], b->current) ? 1 : 0;
    nnb_status st = check_chain_input(b, i, n->in[data]);
    if (st != NNB_OK) {
        return st;
    }
    if (!b->last_was_dense) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: Add is supported only as the bias right after MatMul or Gemm",
                    label(n, i).s);
    }
    const onnx_tensor *c = NULL;
    st = node_const(b, i, 1 - data, &c);
    return st == NNB_OK ? add_bias(b, i, c, 1.0f) : st;
}

/* Leading Sub (center) and Div (scale) by per-feature constants: the model's stored scaling. */
static nnb_status do_scaling(build_state *b, size_t i, int is_div)
{
    const onnx_node *n = &b->g->nodes[i];
    if (b->seen_layer || (!is_div && (b->pre_center != NULL || b->pre_scale != NULL)) ||
        (is_div && b->pre_scale != NULL)) {
        return FAIL(NNB_ERR_UNSUPPORTED,
                    "%s: Sub and Div are supported only as the scaling of the input (one Sub, "
                    "then one Div, before the first layer)",
                    label(n, i).s);
    }
    if (n->n_in != 2) {
        return FAIL(NNB_ERR_FORMAT, "%s has %zu inputs (expected 2)", label(n, i).s, n->n_in);
    }
    nnb_status st = check_chain_input(b, i, n->in[0]);
    const onnx_tensor *c = NULL;
    if (st == NNB_OK) {
        st = node_const(b, i, 1, &c);
    }
    if (st != NNB_OK) {
        return st;
    }
    /* An image input: one value per pixel, [C, H, W] or [1, C, H, W]. */
    const size_t lead = c->rank == 4 && c->dims[0] == 1 ? 1 : 0;
    const int per_pixel = b->image && c->rank == 3 + lead && c->dims[lead] == b->shape[0] &&
                          c->dims[lead + 1] == b->shape[1] && c->dims[lead + 2] == b->shape[2];
    if (b->width == 0 || !((!b->image && c->rank == 1 && c->dims[0] == b->width) ||
                           (!b->image && c->rank == 2 && c->dims[0] == 1 && c->dims[1] == b->width) || per_pixel)) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: '%s' must be a vector of the input's %zu features", label(n, i).s,
                    show(c->name).s, b->width);
    }
    float *v = alloc_floats(c->count, &st);
    if (st != NNB_OK) {
        return st;
    }
    st = tensor_floats(c, v, label(n, i).s);
    for (size_t k = 0; st == NNB_OK && is_div && k < c->count; ++k) {
        if (!(v[k] > 0.0f)) {
            st = FAIL(NNB_ERR_UNSUPPORTED, "%s: scale %zu is %g; the stored scaling needs scales > 0", label(n, i).s, k,
                      (double)v[k]);
        }
    }
    if (st != NNB_OK) {
        nnb__free(v);
        return st;
    }
    if (is_div) {
        b->pre_scale = v;
    } else {
        b->pre_center = v;
    }
    return NNB_OK;
}

/* ---- image layers ---- */

/* Refuses an image operator whose input is not a C x H x W image (4-D), or that has no layer before it. */
static nnb_status need_image(const build_state *b, size_t i)
{
    const onnx_node *n = &b->g->nodes[i];
    if (!b->image) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: its input is [batch, %zu], not an N x C x H x W image", label(n, i).s,
                    b->width);
    }
    return NNB_OK;
}

/* The window of a Conv or pooling node along one axis, as ONNX defines it: zeros before, output size. */
typedef struct window_axis {
    size_t begin, out;
} window_axis;

typedef enum auto_pad { PAD_NOTSET, PAD_VALID, PAD_SAME_UPPER, PAD_SAME_LOWER } auto_pad;

static nnb_status window_along(size_t in, size_t k, size_t s, auto_pad mode, int64_t p0, int64_t p1, int ceil_mode,
                               window_axis *w)
{
    if (mode == PAD_SAME_UPPER || mode == PAD_SAME_LOWER) {
        w->out = (in + s - 1) / s;
        const size_t need = (w->out - 1) * s + k;
        const size_t total = need > in ? need - in : 0;
        w->begin = mode == PAD_SAME_UPPER ? total / 2 : total - total / 2;
        return NNB_OK;
    }
    const size_t total = mode == PAD_VALID ? 0 : (size_t)p0 + (size_t)p1;
    if (in + total < k) {
        return FAIL(NNB_ERR_FORMAT, "the %zu-wide kernel is larger than the padded input (%zu)", k, in + total);
    }
    w->begin = mode == PAD_VALID ? 0 : (size_t)p0;
    w->out = (in + total - k + (ceil_mode ? s - 1 : 0)) / s + 1;
    return NNB_OK;
}

/* A Conv or pooling node's window: kernel, strides, padding and the output it gives on the current image. */
typedef struct window {
    size_t kh, kw, stride;
    window_axis y, x;
    int64_t pads[4];
    int ceil_mode;
} window;

static nnb_status read_window(const build_state *b, size_t i, size_t kh, size_t kw, int pool, window *w)
{
    const onnx_node *n = &b->g->nodes[i];
    onnx_attr ks, strides, pads, ap, dil, ceil;
    nnb_status st = find_attr(n, "kernel_shape", &ks);
    if (st == NNB_OK) {
        st = find_attr(n, "strides", &strides);
    }
    if (st == NNB_OK) {
        st = find_attr(n, "pads", &pads);
    }
    if (st == NNB_OK) {
        st = find_attr(n, "auto_pad", &ap);
    }
    if (st == NNB_OK) {
        st = find_attr(n, "dilations", &dil);
    }
    if (st == NNB_OK) {
        st = find_attr(n, "ceil_mode", &ceil);
    }
    if (st != NNB_OK) {
        return CONTEXT(st, "%s", label(n, i).s);
    }
    memset(w, 0, sizeof *w);
    if (ks.found && (ks.n_ints != 2 || ks.ints[0] < 1 || ks.ints[1] < 1 || ks.ints[0] > (int64_t)NNB_ONNX_MAX_DIM ||
                     ks.ints[1] > (int64_t)NNB_ONNX_MAX_DIM)) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: kernel_shape must be two sizes >= 1 (a 2-D window)", label(n, i).s);
    }
    if (pool && !ks.found) {
        return FAIL(NNB_ERR_FORMAT, "%s: the attribute kernel_shape is missing", label(n, i).s);
    }
    if (!pool && ks.found && ((size_t)ks.ints[0] != kh || (size_t)ks.ints[1] != kw)) {
        return FAIL(NNB_ERR_FORMAT, "%s: kernel_shape [%lld, %lld] differs from the weight's %zu x %zu", label(n, i).s,
                    (long long)ks.ints[0], (long long)ks.ints[1], kh, kw);
    }
    w->kh = ks.found ? (size_t)ks.ints[0] : kh;
    w->kw = ks.found ? (size_t)ks.ints[1] : kw;
    int64_t s[2] = {1, 1};
    if (strides.found) {
        if (strides.n_ints != 2 || strides.ints[0] < 1 || strides.ints[1] < 1 ||
            strides.ints[0] > (int64_t)NNB_ONNX_MAX_DIM || strides.ints[1] > (int64_t)NNB_ONNX_MAX_DIM) {
            return FAIL(NNB_ERR_FORMAT, "%s: strides must be two values >= 1", label(n, i).s);
        }
        s[0] = strides.ints[0];
        s[1] = strides.ints[1];
    }
    if (s[0] != s[1]) {
        return FAIL(NNB_ERR_UNSUPPORTED,
                    "%s: strides [%lld, %lld]; the library's layers step equally in both directions", label(n, i).s,
                    (long long)s[0], (long long)s[1]);
    }
    w->stride = (size_t)s[0];
    if (dil.found) {
        for (size_t k = 0; k < dil.n_ints; ++k) {
            if (dil.ints[k] != 1) {
                return FAIL(NNB_ERR_UNSUPPORTED, "%s: dilation %lld; only 1 is supported", label(n, i).s,
                            (long long)dil.ints[k]);
            }
        }
    }
    if (pads.found) {
        if (pads.n_ints != 4) {
            return FAIL(NNB_ERR_FORMAT, "%s: pads has %zu values (a 2-D window takes 4)", label(n, i).s, pads.n_ints);
        }
        for (size_t k = 0; k < 4; ++k) {
            if (pads.ints[k] < 0 || pads.ints[k] > (int64_t)NNB_ONNX_MAX_DIM) {
                return FAIL(NNB_ERR_FORMAT, "%s: pad %lld (must be 0 to %llu)", label(n, i).s, (long long)pads.ints[k],
                            (unsigned long long)NNB_ONNX_MAX_DIM);
            }
            w->pads[k] = pads.ints[k];
        }
    }
    auto_pad mode = PAD_NOTSET;
    if (ap.found) {
        if (nnb__pb_slice_is(ap.s, "VALID")) {
            mode = PAD_VALID;
        } else if (nnb__pb_slice_is(ap.s, "SAME_UPPER")) {
            mode = PAD_SAME_UPPER;
        } else if (nnb__pb_slice_is(ap.s, "SAME_LOWER")) {
            mode = PAD_SAME_LOWER;
        } else if (!nnb__pb_slice_is(ap.s, "NOTSET") && !nnb__pb_slice_is(ap.s, "")) {
            return FAIL(NNB_ERR_FORMAT, "%s: auto_pad '%s' is none of NOTSET, VALID, SAME_UPPER, SAME_LOWER",
                        label(n, i).s, show(ap.s).s);
        }
    }
    if (mode != PAD_NOTSET && (w->pads[0] | w->pads[1] | w->pads[2] | w->pads[3]) != 0) {
        return FAIL(NNB_ERR_FORMAT, "%s: pads are given with auto_pad set", label(n, i).s);
    }
    if (ceil.found && ceil.i != 0 && ceil.i != 1) {
        return FAIL(NNB_ERR_FORMAT, "%s: ceil_mode = %lld (must be 0 or 1)", label(n, i).s, (long long)ceil.i);
    }
    w->ceil_mode = ceil.found && ceil.i == 1;
    st = window_along(b->shape[1], w->kh, w->stride, mode, w->pads[0], w->pads[2], w->ceil_mode, &w->y);
    if (st == NNB_OK) {
        st = window_along(b->shape[2], w->kw, w->stride, mode, w->pads[1], w->pads[3], w->ceil_mode, &w->x);
    }
    if (st != NNB_OK) {
        return CONTEXT(st, "%s", label(n, i).s);
    }
    return NNB_OK;
}

/* Conv: the library's convolution with the same zeros before the image and the same output size. */
static nnb_status do_conv(build_state *b, size_t i)
{
    const onnx_node *n = &b->g->nodes[i];
    if (n->n_in < 2 || n->n_in > 3) {
        return FAIL(NNB_ERR_FORMAT, "%s has %zu inputs (expected 2 or 3)", label(n, i).s, n->n_in);
    }
    nnb_status st = check_chain_input(b, i, n->in[0]);
    if (st == NNB_OK) {
        st = need_image(b, i);
    }
    const onnx_tensor *wt = NULL, *bt = NULL;
    if (st == NNB_OK) {
        st = node_const(b, i, 1, &wt);
    }
    if (st == NNB_OK && n->n_in == 3 && n->in[2].size != 0) {
        st = node_const(b, i, 2, &bt);
    }
    onnx_attr group;
    if (st == NNB_OK) {
        st = find_attr(n, "group", &group);
    }
    if (st != NNB_OK) {
        return st;
    }
    if (group.found && group.i != 1) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: group = %lld; only 1 (a full convolution) is supported", label(n, i).s,
                    (long long)group.i);
    }
    if (wt->rank != 4 || wt->count == 0) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: weight '%s' has rank %zu; only 2-D convolutions (rank 4) are supported",
                    label(n, i).s, show(wt->name).s, wt->rank);
    }
    const size_t out_c = (size_t)wt->dims[0], in_c = (size_t)wt->dims[1];
    if (in_c != b->shape[0]) {
        return FAIL(NNB_ERR_FORMAT, "%s: weight '%s' takes %zu channels, its input has %zu", label(n, i).s,
                    show(wt->name).s, in_c, b->shape[0]);
    }
    if (bt != NULL && !(bt->rank == 1 && bt->dims[0] == out_c)) {
        return FAIL(NNB_ERR_FORMAT, "%s: bias '%s' must be a vector of %zu", label(n, i).s, show(bt->name).s, out_c);
    }
    window w;
    st = read_window(b, i, (size_t)wt->dims[2], (size_t)wt->dims[3], 0, &w);
    if (st != NNB_OK) {
        return st;
    }
    /* The library pads symmetrically (explicit), as SAME_UPPER (same) or not at all (valid). A convolution's
       output depends only on the zeros before the image and the output size, so any of them that gives both
       computes the node. */
    static const nnb_padding modes[3] = {NNB_PADDING_VALID, NNB_PADDING_SAME, NNB_PADDING_EXPLICIT};
    nnb_conv2d_params p = nnb_conv2d_params_default(w.kh);
    p.kernel_w = w.kw;
    p.stride = w.stride;
    p.bias = bt != NULL;
    int found = 0;
    for (size_t k = 0; k < 3 && !found; ++k) {
        nnb__conv2d_geom g;
        const size_t ph = modes[k] == NNB_PADDING_EXPLICIT ? w.y.begin : 0;
        const size_t pw = modes[k] == NNB_PADDING_EXPLICIT ? w.x.begin : 0;
        if (nnb__conv2d_geom_init(&g, in_c, b->shape[1], b->shape[2], out_c, w.kh, w.kw, w.stride, (int)modes[k], ph,
                                  pw) == NNB_OK &&
            g.pad_top == w.y.begin && g.pad_left == w.x.begin && g.out_h == w.y.out && g.out_w == w.x.out) {
            p.padding = modes[k];
            p.pad_h = ph;
            p.pad_w = pw;
            found = 1;
        }
    }
    if (!found) {
        return FAIL(NNB_ERR_UNSUPPORTED,
                    "%s: pads [%lld, %lld, %lld, %lld] (%zu zeros above, %zu left, output %zu x %zu) match no padding "
                    "of the library's (none, same as SAME_UPPER, or equal on both sides)",
                    label(n, i).s, (long long)w.pads[0], (long long)w.pads[1], (long long)w.pads[2],
                    (long long)w.pads[3], w.y.begin, w.x.begin, w.y.out, w.x.out);
    }
    float *v = alloc_floats(wt->count + (bt != NULL ? out_c : 0), &st);
    if (st != NNB_OK) {
        return st;
    }
    st = tensor_floats(wt, v, label(n, i).s);
    if (st == NNB_OK && bt != NULL) {
        st = tensor_floats(bt, v + wt->count, label(n, i).s);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_conv2d(b->m, in_c, b->shape[1], b->shape[2], out_c, &p);
        if (st != NNB_OK) {
            st = CONTEXT(st, "%s", label(n, i).s);
        }
    }
    if (st == NNB_OK) {
        /* ONNX: out_c x (in_c * kh * kw); the library: (in_c * kh * kw) x out_c. */
        nnb_dense *d = b->m->layers[b->m->n_layers - 1].dense;
        float *dst = nnb_tensor_data(nnb_dense_weights_mut(d));
        const size_t kk = in_c * w.kh * w.kw;
        for (size_t o = 0; o < out_c; ++o) {
            for (size_t k = 0; k < kk; ++k) {
                dst[k * out_c + o] = v[o * kk + k];
            }
        }
        if (bt != NULL) {
            memcpy(nnb_tensor_data(nnb_dense_biases_mut(d)), v + wt->count, out_c * sizeof(float));
        }
    }
    nnb__free(v);
    return st;
}

/* MaxPool or AveragePool without padding (the library's pooling has none). */
static nnb_status do_pool(build_state *b, size_t i, int avg)
{
    const onnx_node *n = &b->g->nodes[i];
    window w;
    nnb_status st = need_image(b, i);
    if (st == NNB_OK) {
        st = read_window(b, i, 0, 0, 1, &w);
    }
    onnx_attr cip;
    if (st == NNB_OK) {
        st = find_attr(n, "count_include_pad", &cip);
    }
    if (st != NNB_OK) {
        return st;
    }
    const size_t h = b->shape[1], wd = b->shape[2];
    const int fits = w.kh <= h && w.kw <= wd;
    if (w.y.begin != 0 || w.x.begin != 0 || !fits || w.y.out != (h - w.kh) / w.stride + 1 ||
        w.x.out != (wd - w.kw) / w.stride + 1) {
        return FAIL(NNB_ERR_UNSUPPORTED,
                    "%s: the window pads the %zu x %zu image (pads [%lld, %lld, %lld, %lld]%s%s, output %zu x %zu); "
                    "the library's pooling reads only whole windows inside the image%s",
                    label(n, i).s, h, wd, (long long)w.pads[0], (long long)w.pads[1], (long long)w.pads[2],
                    (long long)w.pads[3], w.ceil_mode ? ", ceil_mode 1" : "",
                    avg ? (cip.found && cip.i != 0 ? ", count_include_pad 1" : ", count_include_pad 0") : "", w.y.out,
                    w.x.out,
                    avg ? " (with no padding count_include_pad makes no difference; with it, the mean's divisor "
                          "would depend on it)"
                        : "");
    }
    st =
        avg ? nnb_model_add_avgpool2d(b->m, w.kh, w.kw, w.stride) : nnb_model_add_maxpool2d(b->m, w.kh, w.kw, w.stride);
    return st == NNB_OK ? NNB_OK : CONTEXT(st, "%s", label(n, i).s);
}

/* BatchNormalization at inference: scale, B, running mean and variance; epsilon, momentum (1 - PyTorch's). */
static nnb_status do_batchnorm(build_state *b, size_t i)
{
    const onnx_node *n = &b->g->nodes[i];
    if (n->n_in != 5) {
        return FAIL(NNB_ERR_FORMAT, "%s has %zu inputs (expected 5: X, scale, B, mean, var)", label(n, i).s, n->n_in);
    }
    if (n->n_out > 1) {
        return FAIL(NNB_ERR_UNSUPPORTED,
                    "%s has %zu outputs: the training form (batch statistics) is not supported, only inference",
                    label(n, i).s, n->n_out);
    }
    onnx_attr eps, mom, tm;
    nnb_status st = check_chain_input(b, i, n->in[0]);
    if (st == NNB_OK) {
        st = find_attr(n, "epsilon", &eps);
    }
    if (st == NNB_OK) {
        st = find_attr(n, "momentum", &mom);
    }
    if (st == NNB_OK) {
        st = find_attr(n, "training_mode", &tm);
    }
    if (st != NNB_OK) {
        return st;
    }
    if (tm.found && tm.i != 0) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: training_mode = %lld; only inference (0) is supported", label(n, i).s,
                    (long long)tm.i);
    }
    if ((eps.found && !eps.has_f) || (mom.found && !mom.has_f)) {
        return FAIL(NNB_ERR_FORMAT, "%s: epsilon or momentum is not a float", label(n, i).s);
    }
    if (!b->seen_layer) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: batch normalisation needs a layer before it", label(n, i).s);
    }
    const size_t c = b->image ? b->shape[0] : b->width;
    const onnx_tensor *t[4] = {NULL, NULL, NULL, NULL};
    static const char *const role[4] = {"scale", "B", "mean", "var"};
    for (size_t k = 0; k < 4 && st == NNB_OK; ++k) {
        st = node_const(b, i, k + 1, &t[k]);
        if (st == NNB_OK && !(t[k]->rank == 1 && t[k]->dims[0] == c)) {
            st = FAIL(NNB_ERR_FORMAT, "%s: %s '%s' must be a vector of the input's %zu channels", label(n, i).s,
                      role[k], show(t[k]->name).s, c);
        }
    }
    if (st != NNB_OK) {
        return st;
    }
    float *v = alloc_floats(4 * (uint64_t)c, &st);
    if (st != NNB_OK) {
        return st;
    }
    for (size_t k = 0; k < 4 && st == NNB_OK; ++k) {
        st = tensor_floats(t[k], v + k * c, label(n, i).s);
    }
    for (size_t k = 0; k < c && st == NNB_OK; ++k) {
        if (v[3 * c + k] < 0.0f) {
            st = FAIL(NNB_ERR_FORMAT, "%s: variance %zu is negative (%g)", label(n, i).s, k, (double)v[3 * c + k]);
        }
    }
    if (st == NNB_OK) {
        st = nnb_model_add_batchnorm(b->m, mom.found ? 1.0f - mom.f : 0.1f, eps.found ? eps.f : 1e-5f);
        if (st != NNB_OK) {
            st = CONTEXT(st, "%s", label(n, i).s);
        }
    }
    if (st == NNB_OK) {
        nnb__model_layer *l = &b->m->layers[b->m->n_layers - 1];
        memcpy(nnb_tensor_data(nnb_dense_weights_mut(l->dense)), v, c * sizeof(float));
        memcpy(nnb_tensor_data(nnb_dense_biases_mut(l->dense)), v + c, c * sizeof(float));
        memcpy(l->bn_running, v + 2 * c, 2 * c * sizeof(float));
    }
    nnb__free(v);
    return st;
}

/*
 * Pad by nothing: PyTorch writes AvgPool2d as Pad + AveragePool (the zeros then count in every mean, as
 * count_include_pad = 1 defines it). Only all-zero pads are the identity; real padding is refused, as the
 * library's pooling has none.
 */
static nnb_status do_pad(build_state *b, size_t i)
{
    const onnx_node *n = &b->g->nodes[i];
    if (n->n_in < 1 || n->n_in > 3) {
        return FAIL(NNB_ERR_FORMAT, "%s has %zu inputs (expected 1 to 3)", label(n, i).s, n->n_in);
    }
    onnx_attr mode, pads_attr;
    nnb_status st = check_chain_input(b, i, n->in[0]);
    if (st == NNB_OK) {
        st = find_attr(n, "mode", &mode);
    }
    if (st == NNB_OK) {
        st = find_attr(n, "pads", &pads_attr);
    }
    if (st != NNB_OK) {
        return st;
    }
    if (mode.found && !nnb__pb_slice_is(mode.s, "constant")) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: mode '%s'; only constant padding is supported", label(n, i).s,
                    show(mode.s).s);
    }
    int64_t pads[ONNX_MAX_INTS];
    size_t count = 0;
    if (n->n_in >= 2 && n->in[1].size != 0) { /* opset 11 on: pads is an input */
        const onnx_tensor *t = NULL;
        st = node_const(b, i, 1, &t);
        if (st == NNB_OK && (t->rank != 1 || t->count > ONNX_MAX_INTS)) {
            st = FAIL(NNB_ERR_UNSUPPORTED, "%s: pads must be a vector of at most %d values", label(n, i).s,
                      ONNX_MAX_INTS);
        }
        if (st == NNB_OK) {
            count = (size_t)t->count;
            st = tensor_values(t, NULL, pads, label(n, i).s);
        }
    } else if (pads_attr.found) {
        count = pads_attr.n_ints;
        memcpy(pads, pads_attr.ints, count * sizeof pads[0]);
    }
    if (st != NNB_OK) {
        return st;
    }
    for (size_t k = 0; k < count; ++k) {
        if (pads[k] != 0) {
            return FAIL(NNB_ERR_UNSUPPORTED,
                        "%s: pads %lld at %zu: padding (as PyTorch writes AvgPool2d(padding=p) with "
                        "count_include_pad=True) is not supported; the library's pooling reads only whole windows "
                        "inside the image",
                        label(n, i).s, (long long)pads[k], k);
        }
    }
    return NNB_OK;
}

/* Reshape to [batch, features] by a constant shape ([0, -1], [-1, features], [0, features]): a flatten. */
static nnb_status do_reshape(build_state *b, size_t i)
{
    const onnx_node *n = &b->g->nodes[i];
    if (n->n_in != 2) {
        return FAIL(NNB_ERR_FORMAT, "%s has %zu inputs (expected 2)", label(n, i).s, n->n_in);
    }
    nnb_status st = check_chain_input(b, i, n->in[0]);
    const onnx_tensor *t = NULL;
    onnx_attr allowzero;
    if (st == NNB_OK) {
        st = node_const(b, i, 1, &t);
    }
    if (st == NNB_OK) {
        st = find_attr(n, "allowzero", &allowzero);
    }
    if (st != NNB_OK) {
        return st;
    }
    int64_t shape[2] = {0, 0};
    if (t->rank != 1 || t->count != 2) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: only a reshape to [batch, features] (a shape of 2 values) is supported",
                    label(n, i).s);
    }
    st = tensor_values(t, NULL, shape, label(n, i).s);
    if (st != NNB_OK) {
        return st;
    }
    const int zero_ok = !(allowzero.found && allowzero.i != 0);
    const int batch_ok = shape[0] == -1 || (shape[0] == 0 && zero_ok);
    const int feat_ok = shape[1] == (int64_t)b->width || (shape[1] == -1 && shape[0] != -1);
    if (!batch_ok || !feat_ok || b->width == 0) {
        return FAIL(NNB_ERR_UNSUPPORTED,
                    "%s: shape [%lld, %lld]; only a flatten to [batch, %zu] ([0, -1], [-1, %zu] or [0, %zu]) is "
                    "supported",
                    label(n, i).s, (long long)shape[0], (long long)shape[1], b->width, b->width, b->width);
    }
    if (b->image && b->seen_layer) {
        st = nnb_model_add_flatten(b->m);
    }
    b->image = 0;
    return st == NNB_OK ? NNB_OK : CONTEXT(st, "%s", label(n, i).s);
}

static nnb_status do_axis_op(build_state *b, size_t i, const struct onnx_op *op)
{
    const onnx_node *n = &b->g->nodes[i];
    onnx_attr axis;
    nnb_status st = find_attr(n, "axis", &axis);
    if (st != NNB_OK) {
        return CONTEXT(st, "%s", label(n, i).s);
    }
    const int64_t a = axis.found ? axis.i : (op->action == OP_SOFTMAX && b->g->opset >= 13 ? -1 : 1);
    if (b->image && op->action == OP_SOFTMAX) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: softmax over an N x C x H x W image is not supported (flatten first)",
                    label(n, i).s);
    }
    if (b->image) {
        if (a != 1 && a != -3) {
            return FAIL(NNB_ERR_UNSUPPORTED,
                        "%s: axis = %lld; on an N x C x H x W input only axis 1 (flatten to [batch, C*H*W]) is "
                        "supported",
                        label(n, i).s, (long long)a);
        }
        b->image = 0;
        st = b->seen_layer ? nnb_model_add_flatten(b->m) : NNB_OK; /* before any layer: the model reads rows */
        return st == NNB_OK ? NNB_OK : CONTEXT(st, "%s", label(n, i).s);
    }
    if (a != 1 && a != -1) {
        return FAIL(NNB_ERR_UNSUPPORTED,
                    "%s: axis = %lld; on a [batch, features] input only axis 1 (or -1) is "
                    "supported",
                    label(n, i).s, (long long)a);
    }
    return op->action == OP_SOFTMAX ? op->add(b->m) : NNB_OK;
}

/* LeakyRelu or Elu: the float attribute alpha (or the operator's default) handed to the layer. */
static nnb_status do_alpha_op(build_state *b, size_t i, const struct onnx_op *op)
{
    const onnx_node *n = &b->g->nodes[i];
    onnx_attr alpha;
    nnb_status st = find_attr(n, "alpha", &alpha);
    if (st != NNB_OK) {
        return CONTEXT(st, "%s", label(n, i).s);
    }
    if (alpha.found && !alpha.has_f) {
        return FAIL(NNB_ERR_FORMAT, "%s: attribute alpha is not a float", label(n, i).s);
    }
    st = op->add_alpha(b->m, alpha.found ? alpha.f : op->alpha_default);
    if (st != NNB_OK) {
        return CONTEXT(st, "%s", label(n, i).s);
    }
    return NNB_OK;
}

static nnb_status build_node(build_state *b, size_t i)
{
    const onnx_node *n = &b->g->nodes[i];
    if (n->domain.size != 0 && !nnb__pb_slice_is(n->domain, "ai.onnx")) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: operator domain '%s' is not supported (only the default domain)",
                    label(n, i).s, show(n->domain).s);
    }
    const struct onnx_op *op = NULL;
    for (size_t k = 0; k < sizeof import_ops / sizeof import_ops[0]; ++k) {
        if (nnb__pb_slice_is(n->op_type, import_ops[k].op_type)) {
            op = &import_ops[k];
        }
    }
    if (op != NULL && op->action == OP_REFUSED) {
        return FAIL(NNB_ERR_UNSUPPORTED,
                    "%s: Gelu is an opset 20 operator and this import reads opsets %d to %d (export the "
                    "model with an opset in that range; PyTorch then writes GELU as Erf or Tanh arithmetic, "
                    "which is not supported either)",
                    label(n, i).s, ONNX_MIN_OPSET, ONNX_MAX_OPSET);
    }
    if (op == NULL || op->action == OP_NOT_YET) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s: unsupported operator%s (supported: " SUPPORTED_LIST ")", label(n, i).s,
                    op == NULL ? "" : " (its layer is not in this build)");
    }
    if (n->n_out == 0 || n->out[0].size == 0) {
        return FAIL(NNB_ERR_FORMAT, "%s has no output", label(n, i).s);
    }
    if (n->n_out > 1 && op->action != OP_PASS) {
        return FAIL(NNB_ERR_UNSUPPORTED, "%s has %zu outputs (expected 1)", label(n, i).s, n->n_out);
    }
    nnb_status st = NNB_OK;
    switch (op->action) {
    case OP_GEMM:
    case OP_MATMUL: st = do_gemm(b, i, op->action == OP_MATMUL); break;
    case OP_ADD: st = do_add(b, i); break;
    case OP_SUB:
    case OP_DIV: st = do_scaling(b, i, op->action == OP_DIV); break;
    case OP_CONV:
        st = do_conv(b, i);
        b->seen_layer |= st == NNB_OK;
        b->last_was_dense = 0;
        break;
    case OP_BATCHNORM:
        st = do_batchnorm(b, i);
        b->last_was_dense = 0;
        break;
    case OP_RESHAPE: st = do_reshape(b, i); break;
    case OP_CONSTANT: return NNB_OK; /* decoded before; the chain goes on past it */
    case OP_PAD: st = do_pad(b, i); break;
    case OP_MAXPOOL:
    case OP_AVGPOOL:
    case OP_GLOBALPOOL:
        st = n->n_in == 1 ? check_chain_input(b, i, n->in[0])
                          : FAIL(NNB_ERR_FORMAT, "%s has %zu inputs (expected 1)", label(n, i).s, n->n_in);
        if (st == NNB_OK) {
            st = need_image(b, i);
        }
        if (st == NNB_OK && !b->seen_layer) {
            st = FAIL(NNB_ERR_UNSUPPORTED, "%s: pooling needs a layer before it (a Conv)", label(n, i).s);
        }
        if (st == NNB_OK) {
            st = op->action == OP_GLOBALPOOL ? op->add(b->m) : do_pool(b, i, op->action == OP_AVGPOOL);
            if (st != NNB_OK && op->action == OP_GLOBALPOOL) {
                st = CONTEXT(st, "%s", label(n, i).s);
            }
        }
        b->last_was_dense = 0;
        break;
    default:
        if (n->n_in < 1) {
            return FAIL(NNB_ERR_FORMAT, "%s has no input", label(n, i).s);
        }
        st = check_chain_input(b, i, n->in[0]);
        if (st == NNB_OK && op->action != OP_PASS && n->n_in != 1) {
            st = FAIL(NNB_ERR_FORMAT, "%s has %zu inputs (expected 1)", label(n, i).s, n->n_in);
        }
        if (st != NNB_OK) {
            return st;
        }
        if (op->action == OP_SOFTMAX || op->action == OP_FLATTEN) {
            st = do_axis_op(b, i, op);
        } else if (op->action == OP_ACTIVATION) {
            st = op->add(b->m);
        } else if (op->action == OP_ALPHA) {
            st = do_alpha_op(b, i, op);
        }
        if (st == NNB_OK && op->action != OP_PASS && op->action != OP_FLATTEN && !b->seen_layer) {
            st = FAIL(NNB_ERR_UNSUPPORTED, "%s: the first layer must be dense (Gemm or MatMul) or a convolution (Conv)",
                      label(n, i).s);
        }
        if (st == NNB_OK && op->action != OP_PASS && op->action != OP_FLATTEN) {
            b->last_was_dense = 0;
        }
    }
    if (st == NNB_OK && b->image && b->m->n_layers > 0) {
        nnb__model_last_shape(b->m, b->shape);
        b->width = b->shape[0] * b->shape[1] * b->shape[2];
    }
    if (st == NNB_OK) {
        b->current = n->out[0];
    }
    return st;
}

/* Every output name is defined once, by one node, and is neither an initializer nor the input. */
static nnb_status check_single_assignment(const onnx_graph *g, slice input)
{
    for (size_t i = 0; i < g->n_nodes; ++i) {
        for (size_t k = 0; k < g->nodes[i].n_out; ++k) {
            const slice o = g->nodes[i].out[k];
            if (o.size == 0) {
                continue;
            }
            if (producer_of(g, o) != i || nnb__pb_slice_eq(o, input) || find_init(g, o) != NULL) {
                return FAIL(NNB_ERR_FORMAT,
                            "%s: its output '%s' is also defined elsewhere (by another node, an "
                            "initializer or the input)",
                            label(&g->nodes[i], i).s, show(o).s);
            }
            for (size_t j = 0; j < k; ++j) {
                if (nnb__pb_slice_eq(g->nodes[i].out[j], o)) {
                    return FAIL(NNB_ERR_FORMAT, "%s names its output '%s' twice", label(&g->nodes[i], i).s, show(o).s);
                }
            }
        }
    }
    return NNB_OK;
}

static nnb_status build_model(onnx_graph *g, nnb_model **out)
{
    if (g->ir_version < 3) {
        return FAIL(NNB_ERR_VERSION, "ir_version %lld is not supported (3 or later)", (long long)g->ir_version);
    }
    if (g->opset == 0) {
        return FAIL(NNB_ERR_FORMAT, "the model imports no opset of the default domain");
    }
    if (g->opset < ONNX_MIN_OPSET || g->opset > ONNX_MAX_OPSET) {
        return FAIL(NNB_ERR_VERSION, "opset %lld is not supported (%d to %d)", (long long)g->opset, ONNX_MIN_OPSET,
                    ONNX_MAX_OPSET);
    }
    const onnx_value *input = NULL;
    nnb_status st = data_input(g, &input);
    if (st != NNB_OK) {
        return st;
    }
    if (!input->is_tensor || input->elem_type != ONNX_FLOAT) {
        return FAIL(NNB_ERR_UNSUPPORTED, "input '%s' is not a float tensor (elem_type %lld)", show(input->name).s,
                    (long long)input->elem_type);
    }
    if (input->has_shape && input->rank != 2 && input->rank != 4) {
        return FAIL(NNB_ERR_UNSUPPORTED,
                    "input '%s' has rank %zu; only [batch, features] and [batch, C, H, W] inputs are supported",
                    show(input->name).s, input->rank);
    }
    if (input->has_shape && input->rank == 4 && (input->dims[1] == 0 || input->dims[2] == 0 || input->dims[3] == 0)) {
        return FAIL(NNB_ERR_UNSUPPORTED, "input '%s': an image input needs fixed C, H and W (only the batch may vary)",
                    show(input->name).s);
    }
    if (g->n_outputs != 1) {
        return FAIL(NNB_ERR_UNSUPPORTED, "the graph has %zu outputs; a sequential model has one", g->n_outputs);
    }
    if (g->n_nodes == 0) {
        return FAIL(NNB_ERR_FORMAT, "the graph has no nodes");
    }
    st = check_single_assignment(g, input->name);
    if (st != NNB_OK) {
        return st;
    }
    st = decode_constants(g);
    if (st != NNB_OK) {
        return st;
    }
    build_state b;
    memset(&b, 0, sizeof b);
    b.g = g;
    b.current = input->name;
    b.width = input->has_shape ? (size_t)input->dims[1] : 0;
    if (input->has_shape && input->rank == 4) {
        b.image = 1;
        for (size_t k = 0; k < 3; ++k) {
            b.shape[k] = (size_t)input->dims[k + 1];
        }
        const uint64_t ch = (uint64_t)b.shape[0] * b.shape[1]; /* each <= 2^24: no wrap in 64 bits */
        if (ch > NNB_ONNX_MAX_ELEMENTS || ch * b.shape[2] > NNB_ONNX_MAX_ELEMENTS) {
            return FAIL(NNB_ERR_UNSUPPORTED, "input '%s': %zu x %zu x %zu images have more than %llu values",
                        show(input->name).s, b.shape[0], b.shape[1], b.shape[2],
                        (unsigned long long)NNB_ONNX_MAX_ELEMENTS);
        }
        b.width = b.shape[0] * b.shape[1] * b.shape[2];
    }
    st = nnb_model_create(&b.m, 0);
    for (size_t i = 0; st == NNB_OK && i < g->n_nodes; ++i) {
        st = build_node(&b, i);
    }
    const slice oname = g->outputs[0].name;
    if (st == NNB_OK && !nnb__pb_slice_eq(oname, b.current)) {
        const size_t p = producer_of(g, oname);
        if (p == SIZE_MAX) {
            st = FAIL(NNB_ERR_FORMAT, "the graph output '%s' is computed by no node", show(oname).s);
        } else {
            st = FAIL(NNB_ERR_UNSUPPORTED,
                      "the graph output '%s' comes from node %zu, not from the end of the chain "
                      "(node %zu)",
                      show(oname).s, p, g->n_nodes - 1);
        }
    }
    if (st == NNB_OK && !b.seen_layer) {
        st = FAIL(NNB_ERR_UNSUPPORTED, "the graph has no Gemm, MatMul or Conv: a model needs a layer with weights");
    }
    if (st == NNB_OK && b.image) {
        const onnx_value *o = &g->outputs[0];
        int same = o->rank == 4;
        for (size_t k = 0; same && k < 3; ++k) {
            same = o->dims[k + 1] == 0 || o->dims[k + 1] == b.shape[k];
        }
        if (o->has_shape && !same) {
            st = FAIL(NNB_ERR_FORMAT,
                      "the graph output '%s' is declared with %zu dimensions; the chain gives [batch, "
                      "%zu, %zu, %zu]",
                      show(o->name).s, o->rank, b.shape[0], b.shape[1], b.shape[2]);
        }
    } else if (st == NNB_OK) {
        const onnx_value *o = &g->outputs[0];
        if (o->has_shape && (o->rank != 2 || (o->dims[1] != 0 && o->dims[1] != b.width))) {
            st = FAIL(NNB_ERR_FORMAT,
                      "the graph output '%s' is declared with %zu dimensions / %llu features; the "
                      "chain gives [batch, %zu]",
                      show(o->name).s, o->rank, o->rank >= 2 ? (unsigned long long)o->dims[1] : 0ull, b.width);
        }
    }
    if (st == NNB_OK) {
        st = nnb_model_finalize(b.m);
    }
    if (st == NNB_OK && (b.pre_center != NULL || b.pre_scale != NULL)) {
        const size_t nf = nnb_model_input_size(b.m);
        float *c = b.pre_center, *s = b.pre_scale;
        float *tmp = NULL;
        if (c == NULL || s == NULL) {
            tmp = alloc_floats(nf, &st);
            for (size_t k = 0; st == NNB_OK && k < nf; ++k) {
                tmp[k] = c == NULL ? 0.0f : 1.0f;
            }
        }
        if (st == NNB_OK) {
            st = nnb_model_set_preprocess(b.m, NNB_PREPROCESS_AFFINE, nf, c != NULL ? c : tmp, s != NULL ? s : tmp);
        }
        nnb__free(tmp);
    }
    nnb__free(b.pre_center);
    nnb__free(b.pre_scale);
    if (st != NNB_OK) {
        nnb_model_destroy(b.m);
        return st;
    }
    *out = b.m;
    return NNB_OK;
}

nnb_status nnb_model_parse_onnx(const void *data, size_t size, nnb_model **out)
{
    if (out == NULL || (data == NULL && size > 0)) {
        return FAIL(NNB_ERR_NULL, "%s is NULL", out == NULL ? "out" : "data");
    }
    if (size == 0) {
        return FAIL(NNB_ERR_FORMAT, "an empty buffer is not an ONNX model");
    }
    onnx_graph g;
    nnb_status st = decode_model(data, size, &g);
    if (st == NNB_OK) {
        st = build_model(&g, out);
    }
    graph_free(&g);
    return st;
}

nnb_status nnb_model_load_onnx(const char *path, nnb_model **out)
{
    if (path == NULL || out == NULL) {
        return NNB__FAILF(NNB_ERR_NULL, "%s is NULL", path == NULL ? "path" : "out");
    }
    unsigned char *data = NULL;
    size_t size = 0;
    nnb_status st = nnb__read_regular_file(path, NNB_ONNX_MAX_BYTES, &data, &size);
    if (st != NNB_OK) {
        return st;
    }
    st = nnb_model_parse_onnx(data, size, out);
    nnb__free(data);
    if (st != NNB_OK) {
        return CONTEXT(st, "%s", path);
    }
    return NNB_OK;
}

static void copy_text(char *dst, size_t cap, slice s)
{
    const size_t n = s.size < cap - 1 ? s.size : cap - 1;
    if (n > 0) {
        memcpy(dst, s.data, n);
    }
    dst[n] = '\0';
}

nnb_status nnb_onnx_describe(const void *data, size_t size, nnb_onnx_info *info)
{
    if (info == NULL || (data == NULL && size > 0)) {
        return NNB__FAILF(NNB_ERR_NULL, "%s is NULL", info == NULL ? "info" : "data");
    }
    onnx_graph g;
    nnb_status st =
        size == 0 ? FAIL(NNB_ERR_FORMAT, "an empty buffer is not an ONNX model") : decode_model(data, size, &g);
    if (size == 0) {
        return st;
    }
    if (st == NNB_OK) {
        nnb_onnx_info r;
        memset(&r, 0, sizeof r);
        r.ir_version = g.ir_version;
        r.opset = g.opset;
        r.node_count = g.n_nodes;
        r.initializer_count = g.n_inits;
        copy_text(r.producer, sizeof r.producer, g.producer);
        const size_t used = strlen(r.producer);
        if (used > 0 && g.producer_version.size > 0 && used + 2 < sizeof r.producer) {
            r.producer[used] = ' ';
            copy_text(r.producer + used + 1, sizeof r.producer - used - 1, g.producer_version);
        }
        const onnx_value *in = NULL;
        if (data_input(&g, &in) == NNB_OK) {
            copy_text(r.input_name, sizeof r.input_name, in->name);
        }
        if (g.n_outputs > 0) {
            copy_text(r.output_name, sizeof r.output_name, g.outputs[0].name);
        }
        *info = r;
    }
    graph_free(&g);
    return st;
}

/* ---- export ---- */

static const struct export_op {
    nnb_layer_kind kind;
    const char *op_type; /* NULL: the layer is the identity at inference and writes no node */
} export_ops[] = {
    {NNB_LAYER_RELU, "Relu"},
    {NNB_LAYER_SOFTMAX, "Softmax"},
    {NNB_LAYER_SIGMOID, "Sigmoid"},
    {NNB_LAYER_LINEAR, NULL},
    {NNB_LAYER_DROPOUT, NULL},
    {NNB_LAYER_TANH, "Tanh"},
    {NNB_LAYER_LEAKY_RELU, "LeakyRelu"}, /* attribute alpha: the slope */
    {NNB_LAYER_ELU, "Elu"},              /* attribute alpha */
    {NNB_LAYER_SOFTPLUS, "Softplus"},
    {NNB_LAYER_CONV2D, "Conv"},                      /* W, B; kernel_shape, strides, pads */
    {NNB_LAYER_MAXPOOL2D, "MaxPool"},                /* kernel_shape, strides */
    {NNB_LAYER_AVGPOOL2D, "AveragePool"},            /* kernel_shape, strides (no padding) */
    {NNB_LAYER_GLOBAL_AVGPOOL, "GlobalAveragePool"}, /* N x C x 1 x 1 */
    {NNB_LAYER_BATCHNORM, "BatchNormalization"},     /* scale, B, mean, var; epsilon, momentum */
    {NNB_LAYER_FLATTEN, "Flatten"},                  /* axis 1 */
};

/* A tensor of rank dims (at most 4), float32 in raw_data. */
static void put_tensor_dims(nnb__pb_buf *graph, const char *name, const float *v, const size_t *dims, size_t rank)
{
    nnb__pb_buf t;
    nnb__pb_buf_init(&t, graph->limit);
    size_t count = 1;
    for (size_t k = 0; k < rank; ++k) {
        nnb__pb_put_int(&t, TENSOR_DIMS, (int64_t)dims[k]);
        count *= dims[k];
    }
    nnb__pb_put_int(&t, TENSOR_DATA_TYPE, ONNX_FLOAT);
    nnb__pb_put_string(&t, TENSOR_NAME, name);
    nnb__pb_put_key(&t, TENSOR_RAW_DATA, NNB__PB_LEN);
    nnb__pb_put_varint(&t, (uint64_t)count * 4u);
    for (size_t i = 0; i < count; ++i) {
        uint32_t bits;
        memcpy(&bits, &v[i], sizeof bits);
        const unsigned char le[4] = {(unsigned char)bits, (unsigned char)(bits >> 8), (unsigned char)(bits >> 16),
                                     (unsigned char)(bits >> 24)};
        nnb__pb_put_raw(&t, le, 4);
    }
    nnb__pb_put_message(graph, GRAPH_INITIALIZER, &t);
    nnb__pb_buf_free(&t);
}

static void put_tensor(nnb__pb_buf *graph, const char *name, const float *v, size_t rows, size_t cols, int rank)
{
    const size_t dims[2] = {rows, cols};
    put_tensor_dims(graph, name, v, rank == 2 ? dims : dims + 1, rank == 2 ? 2u : 1u);
}

/* An attribute of a node written by export: an int, a float or a list of ints. */
typedef struct out_attr {
    const char *name;
    int64_t type; /* ATTR_TYPE_INT, ATTR_TYPE_FLOAT or ATTR_TYPE_INTS */
    int64_t i;
    float f;
    int64_t ints[4];
    size_t n_ints;
} out_attr;

static void put_node(nnb__pb_buf *graph, const char *op, const char *name, const char *const *inputs, size_t n_in,
                     const char *output, const out_attr *attrs, size_t n_attrs)
{
    nnb__pb_buf n;
    nnb__pb_buf_init(&n, graph->limit);
    for (size_t i = 0; i < n_in; ++i) {
        nnb__pb_put_string(&n, NODE_INPUT, inputs[i]);
    }
    nnb__pb_put_string(&n, NODE_OUTPUT, output);
    nnb__pb_put_string(&n, NODE_NAME, name);
    nnb__pb_put_string(&n, NODE_OP_TYPE, op);
    for (size_t k = 0; k < n_attrs; ++k) {
        nnb__pb_buf a;
        nnb__pb_buf_init(&a, graph->limit);
        nnb__pb_put_string(&a, ATTR_NAME, attrs[k].name);
        if (attrs[k].type == ATTR_TYPE_FLOAT) {
            nnb__pb_put_float(&a, ATTR_F, attrs[k].f);
        } else if (attrs[k].type == ATTR_TYPE_INT) {
            nnb__pb_put_int(&a, ATTR_I, attrs[k].i);
        } else {
            for (size_t j = 0; j < attrs[k].n_ints; ++j) {
                nnb__pb_put_int(&a, ATTR_INTS, attrs[k].ints[j]);
            }
        }
        nnb__pb_put_int(&a, ATTR_TYPE, attrs[k].type);
        nnb__pb_put_message(&n, NODE_ATTRIBUTE, &a);
        nnb__pb_buf_free(&a);
    }
    nnb__pb_put_message(graph, GRAPH_NODE, &n);
    nnb__pb_buf_free(&n);
}

/* A ValueInfoProto of a float tensor ["N", dims...] (rank 1 or 3 after the batch). */
static void put_value(nnb__pb_buf *graph, uint32_t field, const char *name, const size_t *dims, size_t rank)
{
    nnb__pb_buf shape, tensor, type, v;
    const size_t lim = graph->limit;
    nnb__pb_buf_init(&shape, lim);
    nnb__pb_buf_init(&tensor, lim);
    nnb__pb_buf_init(&type, lim);
    nnb__pb_buf_init(&v, lim);
    for (size_t k = 0; k <= rank; ++k) {
        nnb__pb_buf d;
        nnb__pb_buf_init(&d, lim);
        if (k == 0) {
            nnb__pb_put_string(&d, DIM_PARAM, "N");
        } else {
            nnb__pb_put_int(&d, DIM_VALUE, (int64_t)dims[k - 1]);
        }
        nnb__pb_put_message(&shape, SHAPE_DIM, &d);
        nnb__pb_buf_free(&d);
    }
    nnb__pb_put_int(&tensor, TYPE_TENSOR_ELEM_TYPE, ONNX_FLOAT);
    nnb__pb_put_message(&tensor, TYPE_TENSOR_SHAPE, &shape);
    nnb__pb_put_message(&type, TYPE_TENSOR, &tensor);
    nnb__pb_put_string(&v, VALUE_NAME, name);
    nnb__pb_put_message(&v, VALUE_TYPE, &type);
    nnb__pb_put_message(graph, field, &v);
    nnb__pb_buf *all[4] = {&shape, &tensor, &type, &v};
    for (size_t i = 0; i < 4; ++i) {
        nnb__pb_buf_free(all[i]);
    }
}

/* Whether a layer's output is an N x C x H x W image in ONNX (image layers and what follows them up to a
   flatten), given whether its input is. */
static int gives_image(const nnb__model_layer *l, int image_in)
{
    switch (l->kind) {
    case NNB_LAYER_CONV2D:
    case NNB_LAYER_MAXPOOL2D:
    case NNB_LAYER_AVGPOOL2D:
    case NNB_LAYER_GLOBAL_AVGPOOL: return 1;
    case NNB_LAYER_FLATTEN:
    case NNB_LAYER_DENSE: return 0;
    default: return image_in;
    }
}

/* Conv: W as ONNX's out_c x in_c x kh x kw (the library's matrix transposed), B, and the window. */
static nnb_status put_conv(nnb__pb_buf *graph, const nnb__model_layer *l, size_t i, const char *in, const char *out)
{
    const nnb__conv2d_geom *g = &l->conv;
    const size_t kk = g->in_c * g->kh * g->kw;
    float *w = nnb__malloc(kk * g->out_c * sizeof(float));
    if (w == NULL) {
        return NNB__FAILF(NNB_ERR_NOMEM, "out of memory for layer %zu's convolution weights", i);
    }
    const float *src = nnb_tensor_cdata(nnb_dense_weights(l->dense));
    for (size_t o = 0; o < g->out_c; ++o) {
        for (size_t k = 0; k < kk; ++k) {
            w[o * kk + k] = src[k * g->out_c + o];
        }
    }
    char wname[48], bname[48], name[48];
    (void)snprintf(wname, sizeof wname, "layer%zu.weight", i);
    (void)snprintf(bname, sizeof bname, "layer%zu.bias", i);
    (void)snprintf(name, sizeof name, "layer%zu_conv", i);
    const size_t wd[4] = {g->out_c, g->in_c, g->kh, g->kw};
    put_tensor_dims(graph, wname, w, wd, 4);
    nnb__free(w);
    if (l->conv_bias) {
        put_tensor_dims(graph, bname, nnb_tensor_cdata(nnb_dense_biases(l->dense)), &g->out_c, 1);
    }
    /* Zeros below and right: as many as the last window needs (ONNX's output size is then the library's). */
    const size_t need_h = (g->out_h - 1) * g->stride + g->kh, need_w = (g->out_w - 1) * g->stride + g->kw;
    const size_t pb = need_h > g->in_h + g->pad_top ? need_h - g->in_h - g->pad_top : 0;
    const size_t pr = need_w > g->in_w + g->pad_left ? need_w - g->in_w - g->pad_left : 0;
    const out_attr a[3] = {
        {"kernel_shape", ATTR_TYPE_INTS, 0, 0.0f, {(int64_t)g->kh, (int64_t)g->kw, 0, 0}, 2},
        {"strides", ATTR_TYPE_INTS, 0, 0.0f, {(int64_t)g->stride, (int64_t)g->stride, 0, 0}, 2},
        {"pads", ATTR_TYPE_INTS, 0, 0.0f, {(int64_t)g->pad_top, (int64_t)g->pad_left, (int64_t)pb, (int64_t)pr}, 4},
    };
    const char *ins[3] = {in, wname, bname};
    put_node(graph, "Conv", name, ins, l->conv_bias ? 3 : 2, out, a, 3);
    return NNB_OK;
}

/* BatchNormalization: scale (gamma), B (beta), the running mean and variance; epsilon, momentum = 1 - ours. */
static void put_batchnorm(nnb__pb_buf *graph, const nnb__model_layer *l, size_t i, const char *in, const char *out)
{
    const size_t c = nnb_tensor_cols(nnb_dense_weights(l->dense));
    static const char *const role[4] = {"scale", "bias", "running_mean", "running_var"};
    const float *v[4] = {nnb_tensor_cdata(nnb_dense_weights(l->dense)), nnb_tensor_cdata(nnb_dense_biases(l->dense)),
                         l->bn_running, l->bn_running + c};
    char names[4][48], name[48];
    for (size_t k = 0; k < 4; ++k) {
        (void)snprintf(names[k], sizeof names[k], "layer%zu.%s", i, role[k]);
        put_tensor_dims(graph, names[k], v[k], &c, 1);
    }
    (void)snprintf(name, sizeof name, "layer%zu_batchnorm", i);
    const out_attr a[2] = {{"epsilon", ATTR_TYPE_FLOAT, 0, l->bn_eps, {0, 0, 0, 0}, 0},
                           {"momentum", ATTR_TYPE_FLOAT, 0, 1.0f - l->bn_momentum, {0, 0, 0, 0}, 0}};
    const char *ins[5] = {in, names[0], names[1], names[2], names[3]};
    put_node(graph, "BatchNormalization", name, ins, 5, out, a, 2);
}

static nnb_status encode_model(const nnb_model *model, nnb__pb_buf *out)
{
    nnb__pb_buf graph;
    nnb__pb_buf_init(&graph, out->limit);
    char cur[32] = "input";
    char next[32];
    char name[48];
    size_t value = 0;

    /* The stored scaling: Sub(center), Div(scale). */
    nnb_preprocess_kind pk = NNB_PREPROCESS_NONE;
    const float *center = NULL, *scale = NULL;
    (void)nnb_model_preprocess_info(model, &pk, &center, &scale);
    const size_t n_in = nnb_model_input_size(model);
    size_t last_node_layer = SIZE_MAX; /* the layer of the last node written */
    for (size_t i = 0; i < model->n_layers; ++i) {
        const struct export_op *e = NULL;
        for (size_t k = 0; k < sizeof export_ops / sizeof export_ops[0]; ++k) {
            if (export_ops[k].kind == model->layers[i].kind) {
                e = &export_ops[k];
            }
        }
        if (model->layers[i].kind == NNB_LAYER_DENSE || (e != NULL && e->op_type != NULL)) {
            last_node_layer = i;
        } else if (model->layers[i].kind == NNB_LAYER_GELU) {
            nnb__pb_buf_free(&graph);
            return NNB__FAILF(NNB_ERR_UNSUPPORTED,
                              "layer %zu is GELU, which ONNX has only from opset 20 (Gelu); export writes "
                              "opset %d",
                              i, NNB_ONNX_EXPORT_OPSET);
        } else if (e == NULL) {
            nnb__pb_buf_free(&graph);
            return NNB__FAILF(NNB_ERR_UNSUPPORTED, "layer %zu has kind %d, which ONNX export does not know", i,
                              (int)model->layers[i].kind);
        }
    }
    /* An image input: the first layer is a convolution; ONNX sees [N, C, H, W]. */
    int image = model->n_layers > 0 && model->layers[0].kind == NNB_LAYER_CONV2D;
    const size_t *in_chw = image ? model->layers[0].in_shape : NULL;
    if (pk != NNB_PREPROCESS_NONE && center != NULL && scale != NULL) {
        /* [C, H, W] for an image input (it broadcasts over the batch as the flat vector does over rows). */
        const size_t flat[1] = {n_in};
        put_tensor_dims(&graph, "scaling.center", center, image ? in_chw : flat, image ? 3 : 1);
        put_tensor_dims(&graph, "scaling.scale", scale, image ? in_chw : flat, image ? 3 : 1);
        const char *sub_in[2] = {cur, "scaling.center"};
        (void)snprintf(next, sizeof next, "v%zu", value++);
        put_node(&graph, "Sub", "scaling_sub", sub_in, 2, next, NULL, 0);
        memcpy(cur, next, sizeof cur);
        const char *div_in[2] = {cur, "scaling.scale"};
        (void)snprintf(next, sizeof next, "v%zu", value++);
        put_node(&graph, "Div", "scaling_div", div_in, 2, next, NULL, 0);
        memcpy(cur, next, sizeof cur);
    }
    const int image_input = image;
    nnb_status st = NNB_OK;
    for (size_t i = 0; i < model->n_layers && st == NNB_OK; ++i) {
        const nnb__model_layer *l = &model->layers[i];
        if (i == last_node_layer) {
            (void)snprintf(next, sizeof next, "output");
        } else {
            (void)snprintf(next, sizeof next, "v%zu", value++);
        }
        image = gives_image(l, image);
        if (l->kind == NNB_LAYER_DENSE) {
            char wname[48], bname[48];
            (void)snprintf(wname, sizeof wname, "layer%zu.weight", i);
            (void)snprintf(bname, sizeof bname, "layer%zu.bias", i);
            put_tensor(&graph, wname, nnb_tensor_cdata(nnb_dense_weights(l->dense)), l->n_in, l->n_out, 2);
            put_tensor(&graph, bname, nnb_tensor_cdata(nnb_dense_biases(l->dense)), 1, l->n_out, 1);
            const char *ins[3] = {cur, wname, bname};
            (void)snprintf(name, sizeof name, "layer%zu_dense", i);
            put_node(&graph, "Gemm", name, ins, 3, next, NULL, 0);
        } else if (l->kind == NNB_LAYER_CONV2D) {
            st = put_conv(&graph, l, i, cur, next);
        } else if (l->kind == NNB_LAYER_BATCHNORM) {
            put_batchnorm(&graph, l, i, cur, next);
        } else {
            const char *op = NULL;
            for (size_t k = 0; k < sizeof export_ops / sizeof export_ops[0]; ++k) {
                if (export_ops[k].kind == l->kind) {
                    op = export_ops[k].op_type;
                }
            }
            if (op == NULL) {
                continue;
            }
            const char *ins[1] = {cur};
            (void)snprintf(name, sizeof name, "layer%zu_%s", i, op);
            out_attr a[2];
            size_t n_a = 0;
            if (l->kind == NNB_LAYER_SOFTMAX || l->kind == NNB_LAYER_FLATTEN) {
                a[n_a++] = (out_attr){"axis", ATTR_TYPE_INT, 1, 0.0f, {0, 0, 0, 0}, 0};
            } else if (l->kind == NNB_LAYER_LEAKY_RELU || l->kind == NNB_LAYER_ELU) {
                a[n_a++] = (out_attr){"alpha", ATTR_TYPE_FLOAT, 0, l->alpha, {0, 0, 0, 0}, 0};
            } else if (l->kind == NNB_LAYER_MAXPOOL2D || l->kind == NNB_LAYER_AVGPOOL2D) {
                const nnb__pool2d_geom *p = &l->pool;
                a[n_a++] =
                    (out_attr){"kernel_shape", ATTR_TYPE_INTS, 0, 0.0f, {(int64_t)p->kh, (int64_t)p->kw, 0, 0}, 2};
                a[n_a++] =
                    (out_attr){"strides", ATTR_TYPE_INTS, 0, 0.0f, {(int64_t)p->stride, (int64_t)p->stride, 0, 0}, 2};
            }
            put_node(&graph, op, name, ins, 1, next, a, n_a);
        }
        memcpy(cur, next, sizeof cur);
    }
    if (st != NNB_OK) {
        nnb__pb_buf_free(&graph);
        return st;
    }
    nnb__pb_put_string(&graph, GRAPH_NAME, "nnbasics");
    const size_t in_flat[1] = {n_in}, out_flat[1] = {nnb_model_output_size(model)};
    put_value(&graph, GRAPH_INPUT, "input", image_input ? in_chw : in_flat, image_input ? 3 : 1);
    const size_t *out_chw = model->n_layers > 0 ? model->layers[model->n_layers - 1].out_shape : out_flat;
    put_value(&graph, GRAPH_OUTPUT, "output", image ? out_chw : out_flat, image ? 3 : 1);

    nnb__pb_buf opset;
    nnb__pb_buf_init(&opset, out->limit);
    nnb__pb_put_string(&opset, OPSET_DOMAIN, "");
    nnb__pb_put_int(&opset, OPSET_VERSION, NNB_ONNX_EXPORT_OPSET);

    nnb__pb_put_int(out, MODEL_IR_VERSION, NNB_ONNX_EXPORT_IR_VERSION);
    nnb__pb_put_string(out, MODEL_PRODUCER_NAME, "libnnbasics");
    nnb__pb_put_string(out, MODEL_PRODUCER_VERSION, nnb_version_string());
    nnb__pb_put_message(out, MODEL_GRAPH, &graph);
    nnb__pb_put_message(out, MODEL_OPSET_IMPORT, &opset);
    nnb__pb_buf_free(&graph);
    nnb__pb_buf_free(&opset);
    return nnb__pb_buf_status(out);
}

nnb_status nnb_model_serialize_onnx(const nnb_model *model, void *buffer, size_t capacity, size_t *size)
{
    if (model == NULL || size == NULL || (buffer == NULL && capacity > 0)) {
        return NNB__FAILF(NNB_ERR_NULL, "%s is NULL", model == NULL ? "model" : size == NULL ? "size" : "buffer");
    }
    if (!model->finalized) {
        return NNB__FAILF(NNB_ERR_STATE, "the model is not finalized");
    }
    nnb__pb_buf b;
    nnb__pb_buf_init(&b, (size_t)INT32_MAX); /* protobuf's own limit for one message */
    nnb_status st = encode_model(model, &b);
    if (st == NNB_OK) {
        *size = b.size;
        if (buffer != NULL || capacity > 0) {
            if (capacity < b.size) {
                st = NNB__FAILF(NNB_ERR_ARGUMENT, "the buffer holds %zu bytes; the encoding needs %zu", capacity,
                                b.size);
            } else {
                memcpy(buffer, b.data, b.size);
            }
        }
    }
    nnb__pb_buf_free(&b);
    return st;
}

nnb_status nnb_model_save_onnx(const nnb_model *model, const char *path)
{
    if (path == NULL) {
        return NNB__FAILF(NNB_ERR_NULL, "path is NULL");
    }
    size_t size = 0;
    nnb_status st = nnb_model_serialize_onnx(model, NULL, 0, &size);
    if (st != NNB_OK) {
        return st;
    }
    unsigned char *buf = nnb__malloc(size);
    if (buf == NULL) {
        return NNB__FAILF(NNB_ERR_NOMEM, "out of memory for %zu bytes", size);
    }
    st = nnb_model_serialize_onnx(model, buf, size, &size);
    const size_t plen = strlen(path);
    char *tmp = st == NNB_OK ? nnb__malloc(plen + 16) : NULL;
    if (st == NNB_OK && tmp == NULL) {
        st = NNB__FAILF(NNB_ERR_NOMEM, "out of memory for a file name");
    }
    if (st == NNB_OK) {
        (void)snprintf(tmp, plen + 16, "%s.tmp%05u", path, (unsigned)(getpid() % 100000));
        FILE *f = fopen(tmp, "wb");
        if (f == NULL) {
            st = NNB__FAILF(NNB_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
        } else {
            const int bad_write = fwrite(buf, 1, size, f) != size;
            const int e = errno;
            const int bad_close = fclose(f) != 0;
            if (bad_write || bad_close) {
                st = NNB__FAILF(NNB_ERR_IO, "%s: cannot write: %s", tmp, strerror(bad_write ? e : errno));
            } else if (rename(tmp, path) != 0) {
                st = NNB__FAILF(NNB_ERR_IO, "%s: cannot rename the temporary file to it: %s", path, strerror(errno));
            }
            if (st != NNB_OK) {
                (void)remove(tmp);
            }
        }
    }
    nnb__free(tmp);
    nnb__free(buf);
    return st;
}

#else /* built without NNB_WITH_ONNX */

#    include "base/error_internal.h"

#    define OFF(what) NNB__FAILF(NNB_ERR_UNSUPPORTED, "%s: built without ONNX support (NNB_WITH_ONNX=OFF)", what)

nnb_status nnb_model_parse_onnx(const void *data, size_t size, nnb_model **out)
{
    (void)data, (void)size, (void)out;
    return OFF("ONNX import");
}

nnb_status nnb_model_load_onnx(const char *path, nnb_model **out)
{
    (void)out;
    return OFF(path != NULL ? path : "ONNX import");
}

nnb_status nnb_onnx_describe(const void *data, size_t size, nnb_onnx_info *info)
{
    (void)data, (void)size, (void)info;
    return OFF("ONNX");
}

nnb_status nnb_model_serialize_onnx(const nnb_model *model, void *buffer, size_t capacity, size_t *size)
{
    (void)model, (void)buffer, (void)capacity, (void)size;
    return OFF("ONNX export");
}

nnb_status nnb_model_save_onnx(const nnb_model *model, const char *path)
{
    (void)model;
    return OFF(path != NULL ? path : "ONNX export");
}

#endif
