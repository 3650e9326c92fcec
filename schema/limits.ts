/**
 * Query cost limit (and the `first` range), as a graphql-js validation rule.
 *
 * Cost = estimated rows a query touches: every field that returns objects costs the number of
 * objects it yields, which is its parent's count times `first` (default 20) for paginated fields,
 * times LIST_FACTOR for plain lists, times 1 otherwise. The `items` of a connection are the rows
 * already counted on the connection field, so they add nothing. Scalars are free.
 *
 * The rule needs the request's variables (`first: $n`), so it runs in mercurius' preExecution
 * hook through `checkLimits`, not in the `validationRules` option: mercurius caches validation
 * per query text, and a function of variables there is refused together with that cache.
 */
import {
  GraphQLError, GraphQLInt, Kind, getNamedType, getNullableType, getVariableValues, isListType, isObjectType, isInterfaceType,
  validate, valueFromAST,
  type ASTVisitor, type DocumentNode, type GraphQLField, type GraphQLNamedType, type GraphQLSchema,
  type FieldNode, type OperationDefinitionNode, type SelectionSetNode, type ValidationContext, type ValidationRule
} from 'graphql'
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './inputs.js'

/** Expected size of a list without `first` (University.programs, Application.recommendations). */
export const LIST_FACTOR = 20

export interface LimitOptions {
  maxCost: number
  /** The deepest field's nesting level (top-level fields are level 0); mercurius' queryDepth semantics. */
  maxDepth?: number
  /** Coerced variable values of the request (defaults applied). */
  variables?: Record<string, unknown>
}

const isConnection = (type: GraphQLNamedType): boolean => type.name.endsWith('Connection')

export function costLimitRule (opts: LimitOptions): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition (operation: OperationDefinitionNode) {
      const root = operationRoot(context.getSchema(), operation)
      if (!root) return
      if (opts.maxDepth !== undefined) {
        const depth = new DepthWalk(context).selectionSet(operation.selectionSet, 0, new Set())
        if (depth > opts.maxDepth) {
          context.reportError(new GraphQLError(`Query is too deep: the maximum depth is ${opts.maxDepth}`, {
            nodes: operation,
            extensions: { code: 'GW_ERR_GRAPHQL_TOO_COMPLEX', statusCode: 400, details: { maxDepth: opts.maxDepth } }
          }))
          return
        }
      }
      const walk = new CostWalk(context, opts.variables ?? {})
      const cost = walk.selectionSet(operation.selectionSet, root, 1, new Set())
      if (walk.badFirst) {
        const { node, value } = walk.badFirst
        context.reportError(new GraphQLError(`first must be an integer from 1 to ${MAX_PAGE_SIZE} (got ${String(value)})`, {
          nodes: node,
          extensions: { code: 'GW_ERR_VALIDATION', statusCode: 400, details: { field: 'first' } }
        }))
      } else if (cost > opts.maxCost) {
        context.reportError(new GraphQLError(`Query is too complex: estimated cost ${cost} exceeds the limit of ${opts.maxCost}`, {
          nodes: operation,
          extensions: { code: 'GW_ERR_GRAPHQL_TOO_COMPLEX', statusCode: 400, details: { cost, maxCost: opts.maxCost } }
        }))
      }
    }
  })
}

/** Runs the rule on a parsed, already-validated document; returns its errors (empty when within limits). */
export function checkLimits (schema: GraphQLSchema, document: DocumentNode, rawVariables: Record<string, unknown> | undefined, maxCost: number, maxDepth?: number): readonly GraphQLError[] {
  const errors: GraphQLError[] = []
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue
    const coerced = getVariableValues(schema, def.variableDefinitions ?? [], rawVariables ?? {})
    // Bad variables are reported by execution itself; estimate with defaults meanwhile.
    const variables = coerced.coerced ?? {}
    const single: DocumentNode = { kind: Kind.DOCUMENT, definitions: [def, ...document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)] }
    errors.push(...validate(schema, single, [costLimitRule({ maxCost, variables, ...(maxDepth === undefined ? {} : { maxDepth }) })]))
  }
  return errors
}

function operationRoot (schema: GraphQLSchema, op: OperationDefinitionNode) {
  return op.operation === 'query' ? schema.getQueryType() : op.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType()
}

/**
 * The deepest field level outside introspection. `__schema` / `__type` subtrees are bounded by
 * the schema, not by data, and graphql-js' MaxIntrospectionDepthRule (a specified rule since
 * 16.9) refuses the exponential ones (`types { fields { type { fields …`), so the standard
 * introspection query (level 14) passes any GRAPHQL_MAX_DEPTH.
 */
class DepthWalk {
  private readonly fragmentDepths = new Map<string, number>()

  constructor (private readonly context: ValidationContext) {}

  selectionSet (set: SelectionSetNode, level: number, fragments: ReadonlySet<string>): number {
    let deepest = 0
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value
        if (name === '__schema' || name === '__type') continue
        deepest = Math.max(deepest, sel.selectionSet ? this.selectionSet(sel.selectionSet, level + 1, fragments) : level)
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, this.selectionSet(sel.selectionSet, level, fragments))
      } else {
        const name = sel.name.value
        const fragment = this.context.getFragment(name)
        // A fragment cycle is reported by the spec rules; never follow one here.
        if (!fragment || fragments.has(name)) continue
        const key = `${name}:${level}`
        let d = this.fragmentDepths.get(key)
        if (d === undefined) {
          d = this.selectionSet(fragment.selectionSet, level, new Set([...fragments, name]))
          this.fragmentDepths.set(key, d)
        }
        deepest = Math.max(deepest, d)
      }
    }
    return deepest
  }
}

class CostWalk {
  badFirst: { node: FieldNode; value: unknown } | undefined
  /**
   * Cost of each fragment for one parent object. Cost is linear in the parent count, so a spread
   * costs count × this: each fragment is walked once, however often it is spread (fragments
   * spreading a fragment twice, n deep, would otherwise take 2^n walks).
   */
  private readonly fragmentCosts = new Map<string, number>()

  constructor (private readonly context: ValidationContext, private readonly variables: Record<string, unknown>) {}

  selectionSet (set: SelectionSetNode, parent: GraphQLNamedType, count: number, fragments: ReadonlySet<string>): number {
    let cost = 0
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        cost += this.field(sel, parent, count, fragments)
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? this.context.getSchema().getType(sel.typeCondition.name.value) : parent
        if (type) cost += this.selectionSet(sel.selectionSet, type, count, fragments)
      } else {
        const name = sel.name.value
        const fragment = this.context.getFragment(name)
        // A fragment cycle is reported by the spec rules; never follow one here.
        if (!fragment || fragments.has(name)) continue
        let unit = this.fragmentCosts.get(name)
        if (unit === undefined) {
          const type = this.context.getSchema().getType(fragment.typeCondition.name.value)
          unit = type ? this.selectionSet(fragment.selectionSet, type, 1, new Set([...fragments, name])) : 0
          this.fragmentCosts.set(name, unit)
        }
        cost += count * unit
      }
    }
    return cost
  }

  private field (node: FieldNode, parent: GraphQLNamedType, count: number, fragments: ReadonlySet<string>): number {
    // Introspection reads the schema, not rows: DepthWalk bounds it.
    if (!node.selectionSet || node.name.value.startsWith('__') || !(isObjectType(parent) || isInterfaceType(parent))) return 0
    const def = parent.getFields()[node.name.value]
    if (!def) return 0
    if (isConnection(parent)) return this.selectionSet(node.selectionSet, getNamedType(def.type), count, fragments)
    const yields = count * this.factor(node, def)
    return yields + this.selectionSet(node.selectionSet, getNamedType(def.type), yields, fragments)
  }

  private factor (node: FieldNode, def: GraphQLField<unknown, unknown>): number {
    const firstDef = def.args.find((a) => a.name === 'first')
    if (firstDef) {
      const arg = node.arguments?.find((a) => a.name.value === 'first')
      const given = arg ? valueFromAST(arg.value, GraphQLInt, this.variables) : undefined
      const value = given ?? firstDef.defaultValue ?? DEFAULT_PAGE_SIZE
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
        this.badFirst ??= { node, value }
        return MAX_PAGE_SIZE
      }
      return value
    }
    return isListType(getNullableType(def.type)) ? LIST_FACTOR : 1
  }
}
