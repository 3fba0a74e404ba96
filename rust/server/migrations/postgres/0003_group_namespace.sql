-- A group belongs to a namespace of its application (the creator's): namespaces are tenants that never meet.
ALTER TABLE chat_groups ADD COLUMN namespace TEXT NOT NULL DEFAULT '';
UPDATE chat_groups SET namespace = COALESCE((SELECT u.namespace FROM users u WHERE u.id = chat_groups.admin_id), '');
CREATE INDEX chat_groups_tenant_type ON chat_groups (app_id, namespace, type);
